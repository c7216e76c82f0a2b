"""Password hashing for inbound transports (hosted SFTP, HTTP API keys).

A hash is stored as ``scrypt$<n>$<r>$<p>$<salt b64>$<digest b64>`` (hashlib.scrypt, 16-byte
random salt). `verify_password` recomputes with the stored parameters and compares in constant
time; a malformed stored value verifies as False, never raises. scrypt is deliberately slow:
async callers run `verify_password` in a thread executor.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

__all__ = ["hash_password", "verify_password"]

_SCHEME = "scrypt"
_N, _R, _P = 2**14, 8, 1
_SALT_BYTES = 16
_DIGEST_BYTES = 32
_MAX_N = 2**20  # refuse absurd stored parameters (memory use is 128 * n * r bytes)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, size: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"),
        salt=salt,
        n=n,
        r=r,
        p=p,
        dklen=size,
        maxmem=256 * n * r * p + 1024 * 1024,
    )


def hash_password(password: str) -> str:
    """Hash `password` with scrypt and a random salt; the result embeds the parameters."""
    salt = secrets.token_bytes(_SALT_BYTES)
    digest = _scrypt(password, salt, _N, _R, _P, _DIGEST_BYTES)
    return f"{_SCHEME}${_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def verify_password(encoded: str, password: str) -> bool:
    """True when `password` matches the stored `encoded` hash (constant-time compare)."""
    parts = encoded.split("$")
    if len(parts) != 6 or parts[0] != _SCHEME:
        return False
    try:
        n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
        salt = base64.b64decode(parts[4], validate=True)
        expected = base64.b64decode(parts[5], validate=True)
    except ValueError:
        return False
    if not (1 < n <= _MAX_N and n & (n - 1) == 0 and 0 < r <= 32 and 0 < p <= 16):
        return False
    if not salt or not 16 <= len(expected) <= 64:
        return False
    try:
        actual = _scrypt(password, salt, n, r, p, len(expected))
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(actual, expected)
