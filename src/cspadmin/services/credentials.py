"""Passwords and client secrets, stored only as argon2id hashes.

The parameters are OWASP's minimum for argon2id (19 MiB, two passes, one lane): enough
for a local control plane whose secrets are demo passwords, and light enough that loading
a world file with dozens of users, or a test suite that does so repeatedly, stays fast.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


def hash_secret(secret: str) -> str:
    """A salted argon2id hash of `secret`, in the self-describing PHC string format."""
    return _HASHER.hash(secret)


def verify_secret(hash: str, secret: str) -> bool:
    """Whether `secret` matches `hash`; False for a wrong secret or a malformed hash."""
    try:
        return _HASHER.verify(hash, secret)
    except (VerificationError, InvalidHashError):
        return False
