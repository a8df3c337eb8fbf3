"""The SSRF guard on its own: which addresses are refused, and the exact-server exception."""

from __future__ import annotations

import pytest

from neuro_tui.retrieval.web.guard import AddressGuard, Blocked


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "169.254.169.254", "10.1.2.3",
                                  "192.168.0.1", "172.16.5.4", "100.64.0.1", "0.0.0.0",
                                  "::ffff:127.0.0.1", "fe80::1", "fc00::1", "224.0.0.1"])
def test_non_public_addresses_are_refused(host):
    with pytest.raises(Blocked):
        AddressGuard().resolve(host, 80)


def test_public_address_passes():
    assert AddressGuard().resolve("93.184.215.14", 443) == ["93.184.215.14"]


def test_allowed_is_one_exact_ip_and_port():
    guard = AddressGuard(allowed=frozenset({("127.0.0.1", 8123)}))
    assert guard.resolve("127.0.0.1", 8123) == ["127.0.0.1"]
    for host, port in [("127.0.0.1", 8124), ("169.254.169.254", 8123), ("10.0.0.1", 8123)]:
        with pytest.raises(Blocked):
            guard.resolve(host, port)


def test_allow_private_opens_everything():
    assert AddressGuard(allow_private=True).resolve("127.0.0.1", 1) == ["127.0.0.1"]


def test_unresolvable_name_is_refused_not_raised():
    with pytest.raises(Blocked, match="cannot resolve"):
        AddressGuard().resolve("no-such-host.invalid", 80)
