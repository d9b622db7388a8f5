"""Agents' passwords as argon2id hashes (argon2-cffi, its default parameters: RFC 9106's
low-memory choice), and the digests that stand for links and sessions in the store.

Hashing costs tens of milliseconds of CPU by design, so it runs in a worker thread and the
event loop keeps serving other requests meanwhile."""

from __future__ import annotations

import asyncio
import hashlib

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

_NOBODY = _hasher.hash("a password no agent has, checked when the address is unknown")
"""Checked against when no agent has the address, so an unknown address takes as long to
refuse as a wrong password (the time would otherwise tell which addresses exist)."""


async def hashed(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


async def matches(stored: str | None, password: str) -> bool:
    """Whether ``password`` is the one ``stored`` was made from (None: nobody's, still
    checked so the answer takes the same time)."""

    def verify() -> bool:
        try:
            return _hasher.verify(stored or _NOBODY, password) and stored is not None
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(verify)


def digest(secret: str) -> str:
    """What the store keeps of a link's or a session's secret: enough to recognise it, not
    to use it (the secrets are 256 random bits, so a plain hash is enough)."""
    return hashlib.sha256(secret.encode()).hexdigest()
