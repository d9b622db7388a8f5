"""Opinion links: a token that names one request of one ticket, expires, and cannot be
forged or altered without the secret.

``<payload>.<signature>``, both base64url: the payload is compact JSON (request id, ticket
id, expiry), the signature an HMAC-SHA256 of it under ``NOTIFIER_LINK_SECRET``. The token is
a function of the request, so a redelivered request mails the same link again. Whoever
holds the link may answer once; the notifier keeps the request's state, not the token."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID


class LinkRefused(Exception):
    """The link gives no access; ``str()`` is what the collaborator may be told."""


class LinkInvalid(LinkRefused):
    """Tampered, truncated or signed with another secret: says nothing about any ticket."""


class LinkExpired(LinkRefused):
    pass


@dataclass(frozen=True)
class LinkGrant:
    request_id: UUID
    ticket_id: UUID
    expires_at: datetime


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(secret: str, payload: str) -> str:
    digest = hmac.new(secret.encode(), b"opinion-link:" + payload.encode(), hashlib.sha256)
    return _b64(digest.digest())


def issue(secret: str, grant: LinkGrant) -> str:
    claims = {
        "r": str(grant.request_id),
        "t": str(grant.ticket_id),
        "e": int(grant.expires_at.timestamp()),
    }
    payload = _b64(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
    return f"{payload}.{_signature(secret, payload)}"


def verify(secret: str, token: str, *, now: datetime) -> LinkGrant:
    """The grant the token carries; raises LinkInvalid or LinkExpired."""
    payload, _, signature = token.partition(".")
    if not payload or not signature or len(token) > 1000:
        raise LinkInvalid("This link is not valid.")
    if not hmac.compare_digest(_signature(secret, payload), signature):
        raise LinkInvalid("This link is not valid.")
    try:
        claims = json.loads(_unb64(payload))
        grant = LinkGrant(
            request_id=UUID(claims["r"]),
            ticket_id=UUID(claims["t"]),
            expires_at=datetime.fromtimestamp(int(claims["e"]), UTC),
        )
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise LinkInvalid("This link is not valid.") from exc
    if now >= grant.expires_at:
        raise LinkExpired("This link has expired; ask the agent who shared it for a new one.")
    return grant
