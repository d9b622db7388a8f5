"""Agents' bearer tokens: HS256 JWTs the gateway signs and checks itself, so an agent's
request costs no round trip to find out who is calling."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from servicekit.bounded import BoundedDict

ALGORITHM = "HS256"
AUDIENCE = "socialdesk-gateway"


ADMIN_CLAIM = "adm"
"""Set on a token issued to an administrator agent. It only asks the gateway to look: the
agent is an administrator while ticketing still says so (deps.current_caller)."""


class BadToken(Exception):
    """Why a token was refused, worded for the person holding it."""


@dataclass(frozen=True)
class Holder:
    agent_id: str
    claims_admin: bool


def issue(
    agent_id: str,
    *,
    secret: str,
    ttl: timedelta,
    now: datetime | None = None,
    admin: bool = False,
) -> tuple[str, datetime]:
    issued = now or datetime.now(UTC)
    expires = issued + ttl
    claims: dict[str, object] = {
        "sub": agent_id,
        "role": "agent",
        "aud": AUDIENCE,
        "iat": issued,
        "exp": expires,
    }
    if admin:
        claims[ADMIN_CLAIM] = True
    return jwt.encode(claims, secret, algorithm=ALGORITHM), expires


def agent_of(token: str, *, secret: str) -> str:
    """The agent id a valid token was issued to; raises BadToken otherwise."""
    return holder_of(token, secret=secret).agent_id


def holder_of(token: str, *, secret: str) -> Holder:
    """Who a valid token was issued to, and whether it was issued to an administrator;
    raises BadToken otherwise.

    A token once found valid is remembered with its expiry (``_verified``): PyJWT's check
    (the signature, and its guards against keys and segments of the wrong shape, character
    by character) was about a fifth of the gateway's CPU per ticket list or detail
    (bench/read_stack.py, issue 8), and an agent sends the same token with every request.
    Nothing of a verified token can change but whether it has expired (its issue time and
    signature stay good), so a remembered one is refused as PyJWT would refuse it, once its
    ``exp`` has passed. Only tokens signed with ``secret`` are ever remembered."""
    key = (secret, token)
    known = _verified.get(key)
    if known is not None:
        holder, expires = known
        if expires <= _now():  # PyJWT's test, without leeway
            del _verified[key]
            raise BadToken(EXPIRED)
        return holder
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            options={"require": ["sub", "exp", "aud"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise BadToken(EXPIRED) from exc
    except jwt.InvalidTokenError as exc:
        raise BadToken("missing or invalid bearer token") from exc
    if claims.get("role") != "agent":
        raise BadToken("missing or invalid bearer token")
    holder = Holder(str(claims["sub"]), claims.get(ADMIN_CLAIM) is True)
    _remember(key, holder, float(claims["exp"]))
    return holder


EXPIRED = "the token has expired: ask an administrator for a new one"

REMEMBERED = 10_000
"""Verified tokens remembered at most (an agent holds one or a few): past it, the expired
are forgotten, then the oldest remembered, so a flood of valid tokens costs a bounded map."""

_verified: BoundedDict[tuple[str, str], tuple[Holder, float]] = BoundedDict(
    REMEMBERED, drop="oldest"
)
_now = time.time


def _remember(key: tuple[str, str], holder: Holder, expires: float) -> None:
    if _verified.full():
        now = _now()
        for stale in [k for k, (_, at) in _verified.items() if at <= now]:
            del _verified[stale]
    _verified.put(key, (holder, expires))
