"""Agents' bearer tokens: HS256 JWTs the gateway signs and checks itself, so an agent's
request costs no round trip to find out who is calling."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt

ALGORITHM = "HS256"
AUDIENCE = "socialdesk-gateway"


class BadToken(Exception):
    """Why a token was refused, worded for the person holding it."""


def issue(
    agent_id: str, *, secret: str, ttl: timedelta, now: datetime | None = None
) -> tuple[str, datetime]:
    issued = now or datetime.now(UTC)
    expires = issued + ttl
    claims = {"sub": agent_id, "role": "agent", "aud": AUDIENCE, "iat": issued, "exp": expires}
    return jwt.encode(claims, secret, algorithm=ALGORITHM), expires


def agent_of(token: str, *, secret: str) -> str:
    """The agent id a valid token was issued to; raises BadToken otherwise."""
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
    return str(claims["sub"])
