"""Agents' bearer tokens: HS256 JWTs the gateway signs and checks itself, so an agent's
request costs no round trip to find out who is calling."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

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
    raises BadToken otherwise."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            options={"require": ["sub", "exp", "aud"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise BadToken("the token has expired: ask an administrator for a new one") from exc
    except jwt.InvalidTokenError as exc:
        raise BadToken("missing or invalid bearer token") from exc
    if claims.get("role") != "agent":
        raise BadToken("missing or invalid bearer token")
    return Holder(str(claims["sub"]), claims.get(ADMIN_CLAIM) is True)
