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


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "10.1.2.3", "172.16.5.4",
                                  "192.168.0.1", "100.64.0.1", "fd12:3456::1",
                                  "::ffff:192.168.1.9"])
def test_allow_private_hosts_opens_intranet_ranges(host):
    assert AddressGuard(allow_private=True).resolve(host, 8080)


@pytest.mark.parametrize("host", ["169.254.169.254", "fd00:ec2::254", "100.100.100.200",
                                  "fe80::1", "0.0.0.0", "::", "224.0.0.1", "255.255.255.255",
                                  "240.0.0.1", "192.0.2.1", "198.18.0.1", "::ffff:169.254.169.254"])
def test_allow_private_hosts_still_refuses_metadata_link_local_and_reserved(host):
    with pytest.raises(Blocked):
        AddressGuard(allow_private=True).resolve(host, 80)


def test_refusal_names_the_switch_only_where_it_would_help():
    with pytest.raises(Blocked, match="allow_private_hosts"):
        AddressGuard().resolve("192.168.1.1", 80)
    with pytest.raises(Blocked) as metadata:
        AddressGuard().resolve("169.254.169.254", 80)
    assert "allow_private_hosts" not in str(metadata.value)


def test_unresolvable_name_is_refused_not_raised():
    with pytest.raises(Blocked, match="cannot resolve"):
        AddressGuard().resolve("no-such-host.invalid", 80)
