"""Refuse to fetch from loopback, private, link-local and other non-public addresses.

Checked after DNS resolution (a public name can point at 127.0.0.1 or the cloud metadata
address 169.254.169.254) and again on every redirect; the fetcher then connects to the
exact address that was checked, so a second DNS answer cannot swap it (rebinding).
`allowed` lets a test permit exactly one loopback server (ip, port) and nothing else.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass, field


class Blocked(Exception):
    """The address is not one we may fetch from."""


@dataclass(frozen=True)
class AddressGuard:
    allow_private: bool = False
    allowed: frozenset[tuple[str, int]] = field(default_factory=frozenset)

    def permits(self, ip: str, port: int) -> bool:
        address = ipaddress.ip_address(ip.split("%", 1)[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        if (str(address), port) in self.allowed or self.allow_private:
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
                raise Blocked(f"{host} resolves to {ip}, a private or local address")
        if not ips:
            raise Blocked(f"cannot resolve {host}")
        return ips
