"""Refuse to fetch from loopback, private, link-local and other non-public addresses.

Checked after DNS resolution (a public name can point at 127.0.0.1 or the cloud metadata
address 169.254.169.254) and again on every redirect; the fetcher then connects to the
exact address that was checked, so a second DNS answer cannot swap it (rebinding).
`allowed` lets a test permit exactly one loopback server (ip, port) and nothing else.

`allow_private` (`[web] allow_private_hosts`) is for an intranet SearXNG or docs server.
It opens exactly the PRIVATE_NETWORKS below (loopback, RFC 1918, shared/CGNAT space as
used by VPN overlays, IPv6 unique-local) and nothing else: link-local (169.254.0.0/16,
fe80::/10), the cloud metadata endpoints inside the opened ranges (fd00:ec2::254,
100.100.100.200), unspecified, multicast, broadcast, reserved and documentation ranges
stay refused, so a page cannot send us to the metadata service even with the switch on.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass, field

PRIVATE_NETWORKS = tuple(ipaddress.ip_network(n) for n in (
    "127.0.0.0/8", "::1/128",  # this machine (a SearXNG in a local container)
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",  # RFC 1918 intranets
    "100.64.0.0/10",  # RFC 6598 shared space: Tailscale and other VPN overlays
    "fc00::/7",  # IPv6 unique local addresses
))
NEVER = frozenset(ipaddress.ip_address(a) for a in (
    "fd00:ec2::254",  # AWS instance metadata over IPv6 (inside fc00::/7)
    "100.100.100.200",  # Alibaba Cloud metadata (inside 100.64.0.0/10)
))


class Blocked(Exception):
    """The address is not one we may fetch from."""


def _address(ip: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    address = ipaddress.ip_address(ip.split("%", 1)[0])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def is_private_host(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """In the ranges `allow_private` opens (and not a metadata endpoint)."""
    return address not in NEVER and any(address in net for net in PRIVATE_NETWORKS
                                        if net.version == address.version)


@dataclass(frozen=True)
class AddressGuard:
    allow_private: bool = False
    allowed: frozenset[tuple[str, int]] = field(default_factory=frozenset)

    def permits(self, ip: str, port: int) -> bool:
        address = _address(ip)
        if (str(address), port) in self.allowed:
            return True
        if self.allow_private and is_private_host(address):
            return True
        return address.is_global and not address.is_multicast

    def resolve(self, host: str, port: int) -> list[str]:
        """Addresses for host:port, all of them permitted, or Blocked."""
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as error:
            raise Blocked(f"cannot resolve {host}: {error}") from None
        ips = list(dict.fromkeys(info[4][0] for info in infos))
        for ip in ips:
            if not self.permits(ip, port):
                hint = (" (set [web] allow_private_hosts = true for intranet hosts)"
                        if not self.allow_private and is_private_host(_address(ip)) else "")
                raise Blocked(f"{host} resolves to {ip}, a private or local address{hint}")
        if not ips:
            raise Blocked(f"cannot resolve {host}")
        return ips


def guard_from_config(config) -> AddressGuard:
    """`[web] allow_private_hosts` (or its older name `[retrieval] allow_private`)."""
    return AddressGuard(allow_private=bool(getattr(config, "allow_private_hosts", False)
                                           or getattr(config, "allow_private", False)))
