"""The console's doors: sign in, sign out, choose a password from a mailed link, ask for a
reset. Pages for browsers (not in the OpenAPI); tests/test_access_openapi.py classifies them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.exceptions import HTTPException as Refusal

from contracts.credentials import (
    PASSWORD_MAX,
    AccessLinkRequest,
    PasswordSetting,
    SessionKey,
    SignInAttempt,
)
from contracts.rpc_ticketing import TicketingMethod
from contracts.topology import TICKETING_RPC
from gateway import limits
from gateway.console import i18n, session
from gateway.console.links import mail_password_link
from gateway.console.render import page
from gateway.deps import ServicesDep
from gateway.settings import GatewaySettings
from servicekit.ratelimits import client_address

router = APIRouter(include_in_schema=False)

Token = Annotated[str, Query(max_length=256)]


def _settings(request: Request) -> GatewaySettings:
    return request.app.state.settings  # type: ignore[no-any-return]


def _t(request: Request) -> i18n.Translate:
    return i18n.translator(i18n.browser_language(request.headers.get("accept-language", "")))


@router.get("/sign-in", response_class=HTMLResponse)
async def sign_in_page(
    request: Request,
    next: Annotated[str, Query(max_length=2000)] = "/",
    saved: bool = False,
    signed_out: bool = False,
) -> Response:
    t = _t(request)
    notice = t("password_saved") if saved else t("signed_out") if signed_out else ""
    return page(
        request, "sign_in.html.j2", next=session.safe_next(next), notice=notice, error="", email=""
    )


@router.post("/sign-in", response_class=HTMLResponse)
async def sign_in(request: Request, fields: session.CheckedForm, services: ServicesDep) -> Response:
    """Repeated failures against one e-mail address (GATEWAY_SIGN_IN_FAILURES_PER_MINUTE) or
    from one client address (GATEWAY_SIGN_IN_FAILURES_PER_ADDRESS_PER_MINUTE) are refused
    for the rest of the minute, the right password too."""
    email = fields.get("email", "").strip()[:320]
    password = fields.get("password", "")[:PASSWORD_MAX]
    next_path = session.safe_next(fields.get("next"))
    doors = limits.of(request)
    tries = (
        (doors.sign_in_failures_by_address, client_address(request)),
        (doors.sign_in_failures, email.casefold()),
    )

    def refused(error: str, status_code: int) -> Response:
        return page(
            request,
            "sign_in.html.j2",
            status_code=status_code,
            next=next_path,
            notice="",
            error=error,
            email=email,
        )

    try:
        for limit, key in tries:
            limit.refuse_if_exhausted(key)
    except Refusal as exc:
        seconds = (exc.headers or {}).get("Retry-After", "60")
        response = refused(_t(request)("too_many", seconds=seconds), 429)
        response.headers["Retry-After"] = seconds
        return response
    secret = session.new_secret()
    ttl = max(1, int(_settings(request).session_ttl_minutes))
    attempt = SignInAttempt(email=email, password=password, session=secret, ttl_minutes=ttl)
    reply = await services.reply(
        TICKETING_RPC, TicketingMethod.SESSIONS_OPEN, attempt, session.GATEWAY
    )
    if reply.error is not None:
        if reply.error.status != 401:
            raise HTTPException(reply.error.status, reply.error.detail)
        for limit, key in tries:
            limit.hit(key)
        return refused(_t(request)("wrong_credentials"), 401)
    response = RedirectResponse(next_path, status_code=303)
    session.set_session(request, response, secret, max_age=ttl * 60)
    return response


@router.post("/sign-out")
async def sign_out(request: Request, _: session.CheckedForm, services: ServicesDep) -> Response:
    """Ends the session in ticketing, so the cookie is worthless even where it is kept."""
    secret = request.cookies.get(session.SESSION_COOKIE, "")
    if len(secret) >= 16:
        await services.call(
            TICKETING_RPC,
            TicketingMethod.SESSIONS_END,
            SessionKey(session=secret),
            session.GATEWAY,
        )
    response = RedirectResponse("/sign-in?signed_out=true", status_code=303)
    session.clear_session(request, response)
    return response


@router.get("/password", response_class=HTMLResponse)
async def password_page(request: Request, token: Token = "") -> Response:
    response = page(request, "password.html.j2", token=token, error="")
    response.headers["Referrer-Policy"] = "no-referrer"  # the token is in the URL
    return response


@router.post("/password", response_class=HTMLResponse)
async def set_password(
    request: Request, fields: session.CheckedForm, services: ServicesDep
) -> Response:
    token = fields.get("token", "")[:256]
    try:
        setting = PasswordSetting(token=token, password=fields.get("password", ""))
    except ValidationError:
        return page(
            request,
            "password.html.j2",
            status_code=422,
            token=token,
            error=_t(request)("password_hint"),
        )
    reply = await services.reply(
        TICKETING_RPC, TicketingMethod.CREDENTIALS_SET_PASSWORD, setting, session.GATEWAY
    )
    if reply.error is not None:
        if reply.error.status >= 500:
            raise HTTPException(reply.error.status, reply.error.detail)
        return page(
            request,
            "password.html.j2",
            status_code=reply.error.status,
            token="",
            error=reply.error.detail,
        )
    return RedirectResponse("/sign-in?saved=true", status_code=303)


@router.get("/password-reset", response_class=HTMLResponse)
async def reset_page(request: Request) -> Response:
    return page(request, "reset.html.j2", sent=False)


@router.post("/password-reset", response_class=HTMLResponse)
async def ask_reset(
    request: Request, fields: session.CheckedForm, services: ServicesDep
) -> Response:
    """The same answer whether or not the address is an agent's; a few per minute per
    client address, so nobody floods an agent's mailbox through it."""
    limits.of(request).resets.take(client_address(request))
    email = fields.get("email", "").strip()[:320]
    if email:
        reset = AccessLinkRequest(
            email=email, purpose="reset", ttl_minutes=_settings(request).password_link_ttl_minutes
        )
        await mail_password_link(services, reset, session.GATEWAY)
    return page(request, "reset.html.j2", sent=True)
