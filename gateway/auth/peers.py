"""Peer addresses as the per-address limits count them (failed logins, SSH connections not
yet logged in, open HTTP connections).

An IPv4 address counts as itself. An IPv6 host holds a whole /64 (RFC 4291 section 2.5.1:
the low 64 bits are the interface identifier, which a host picks freely, e.g. RFC 8981
temporary addresses; RFC 6177: a site is given at least a /64), so an IPv6 address counts as
its /64: one holder cannot step past a per-address limit by changing its low 64 bits.
An IPv4-mapped IPv6 address (::ffff:a.b.c.d, a dual-stack socket's view of an IPv4 peer)
counts as its IPv4 address. Logs keep the exact address; only the counting is by block.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

__all__ = ["peer_block"]


@lru_cache(maxsize=4096)
def peer_block(address: str) -> str:
    """The key a per-address limit counts `address` under: an IPv4 address itself, an
    IPv6 address its /64 ("2001:db8:1:2::/64"), an IPv4-mapped one its IPv4 address; any
    other text (a Unix socket path, "unknown") itself. Never raises."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # a zone index: the same host
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)
