"""The console's session cookie and its CSRF protection.

The cookie holds only a random secret; ticketing keeps its SHA-256 with the agent and the
expiry, so signing out (or deactivating the agent, or a password reset) ends the session on
the server, whatever the browser still holds. Every page reads the session through ticketing,
which answers with the agent as they are now.

CSRF: a second random cookie (``sd_csrf``) and, in every form and htmx request, an HMAC of it
under the gateway's secret (the "signed double-submit cookie"); a forged form from another
site has neither. Both cookies are HttpOnly, SameSite=Lax (Strict for the CSRF one) and, in
production, Secure."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Annotated
from urllib.parse import parse_qs, quote

from fastapi import Depends, HTTPException, Request, Response, status

from contracts.credentials import SessionKey, SessionRead
from contracts.people import AgentRead
from contracts.rpc import Caller
from contracts.rpc_ticketing import TicketingMethod
from contracts.topology import TICKETING_RPC
from gateway.deps import ServicesDep
from gateway.settings import GatewaySettings

SESSION_COOKIE = "sd_session"
CSRF_COOKIE = "sd_csrf"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
GATEWAY = Caller(id="console", role="system")
"""The console's own calls to ticketing (sign-in, sessions): no agent is signed in yet."""


class SignInRequired(Exception):
    """No live session: the browser is sent to the sign-in page (htmx: told to go there)."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def _secure(request: Request) -> bool:
    settings: GatewaySettings = request.app.state.settings
    return settings.production


def set_session(request: Request, response: Response, secret: str, max_age: int) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=max_age,
        httponly=True,
        samesite="lax",  # the alert mail's link opens the ticket page signed in
        secure=_secure(request),
        path="/",
    )


def clear_session(request: Request, response: Response) -> None:
    response.delete_cookie(
        SESSION_COOKIE, httponly=True, samesite="lax", secure=_secure(request), path="/"
    )


def csrf_cookie(request: Request, response: Response) -> str:
    """The browser's CSRF cookie, set now when it has none."""
    value = request.cookies.get(CSRF_COOKIE, "")
    if len(value) < 32:
        value = new_secret()
        response.set_cookie(
            CSRF_COOKIE,
            value,
            httponly=True,
            samesite="strict",
            secure=_secure(request),
            path="/",
        )
    return value


def csrf_token(request: Request, cookie: str) -> str:
    settings: GatewaySettings = request.app.state.settings
    key = settings.jwt_secret.encode()
    return hmac.new(key, b"csrf:" + cookie.encode(), hashlib.sha256).hexdigest()


async def form(request: Request) -> dict[str, str]:
    """A urlencoded form's fields (the last value of each)."""
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, "send the page's form")
    fields = parse_qs((await request.body()).decode(errors="replace"), keep_blank_values=True)
    return {name: values[-1] for name, values in fields.items()}


async def checked_form(request: Request) -> dict[str, str]:
    """The form, once its CSRF token matches the browser's cookie (403 otherwise)."""
    fields = await form(request)
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = request.headers.get(CSRF_HEADER) or fields.get(CSRF_FIELD, "")
    if not cookie or not hmac.compare_digest(sent, csrf_token(request, cookie)):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "the form's security token is missing or stale: reload the page and try again",
        )
    return fields


CheckedForm = Annotated[dict[str, str], Depends(checked_form)]


async def signed_in(request: Request, services: ServicesDep) -> SessionRead:
    """The session's agent, as ticketing has them now; SignInRequired otherwise."""
    secret = request.cookies.get(SESSION_COOKIE, "")
    path = request.url.path
    if request.url.query:
        path += "?" + request.url.query
    if len(secret) < 16:
        raise SignInRequired(path)
    reply = await services.reply(
        TICKETING_RPC, TicketingMethod.SESSIONS_GET, SessionKey(session=secret), GATEWAY
    )
    if reply.error is not None:
        if reply.error.status in (401, 403):
            raise SignInRequired(path)
        raise HTTPException(reply.error.status, reply.error.detail)
    return SessionRead.model_validate(reply.result)


Session = Annotated[SessionRead, Depends(signed_in)]


def caller_of(agent: AgentRead) -> Caller:
    """The session's agent as the services see them: an administrator agent is an
    administrator (the session is read with the agent's current entry, so taking the flag
    away takes effect on the next page)."""
    return Caller(id=agent.id, role="admin" if agent.admin else "agent")


def sign_in_location(next_path: str) -> str:
    return "/sign-in?next=" + quote(next_path, safe="")


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a path of this site only (never another site's URL)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"
