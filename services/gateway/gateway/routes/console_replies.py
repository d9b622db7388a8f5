"""The console's replies (F19–F21): the ticket page's reply form with canned responses picked
by their shortcut (an htmx suggestion list), the approvers' page (edit, approve, reject; the
author resubmits) and the canned responses' page (search, create, edit, delete). Each calls
the same ticketing methods as the API, as the signed-in agent; forms post, then redirect."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from contracts.approvals import (
    ApprovalEdit,
    ApprovalQuery,
    ApprovalRejection,
    ApprovalResubmission,
)
from contracts.canned import CannedCreate, CannedQuery
from contracts.replies import ReplyCreate
from contracts.rpc import Caller
from contracts.rpc_ticketing import (
    ApprovalEditing,
    ApprovalRef,
    ApprovalRejecting,
    ApprovalResubmitting,
    CannedRef,
    CannedReplace,
    TicketingMethod,
    TicketReplying,
)
from contracts.topology import TICKETING_RPC
from gateway.console import session
from gateway.console.admin_calls import form_revision, shown
from gateway.console.calls import Refused, call
from gateway.console.i18n import translator
from gateway.console.render import page
from gateway.deps import Services, ServicesDep
from gateway.routes.console_desk import _act, _ticket_page

router = APIRouter(include_in_schema=False)

M = TicketingMethod


def _reason(exc: ValidationError) -> str:
    return "; ".join(str(e["msg"]) for e in exc.errors(include_url=False))


async def _canned_by_shortcut(services: Services, caller: Caller, typed: str) -> list[Any]:
    shortcut = typed.strip().lstrip("/")
    if not shortcut:
        return []
    found: list[Any] = await call(
        services, TICKETING_RPC, M.CANNED_LIST, CannedQuery(shortcut=shortcut[:40], limit=8), caller
    )
    return found


@router.get("/canned/suggestions", response_class=HTMLResponse)
async def canned_suggestions(
    request: Request, signed: session.Session, services: ServicesDep
) -> Response:
    """The canned responses whose shortcut starts with what the agent typed, as radio
    choices inside the reply form (what htmx swaps in while they type)."""
    typed = request.query_params.get("canned_shortcut", "")
    found = await _canned_by_shortcut(services, session.caller_of(signed.agent), typed)
    return page(
        request,
        "_canned_suggestions.html.j2",
        language=signed.agent.language,
        found=found,
        asked=bool(typed.strip().lstrip("/")),
    )


@router.post("/tickets/{ref}/replies", response_class=HTMLResponse)
async def send_reply(
    ref: str,
    request: Request,
    fields: session.CheckedForm,
    signed: session.Session,
    services: ServicesDep,
) -> Response:
    """A chosen suggestion wins; else a shortcut typed whole names its canned response."""
    caller = session.caller_of(signed.agent)
    canned = fields.get("canned_response") or None
    typed = fields.get("canned_shortcut", "").strip().lstrip("/")
    if canned is None and typed:
        exact = [
            c for c in await _canned_by_shortcut(services, caller, typed) if c["shortcut"] == typed
        ]
        if not exact:
            t = translator(signed.agent.language)
            return await _ticket_page(
                request,
                services,
                signed,
                ref,
                error=f"/{typed}: {t('canned_none')}",
                status_code=422,
            )
        canned = exact[0]["id"]

    def build() -> TicketReplying:
        return TicketReplying(
            ref=ref,
            reply=ReplyCreate(
                text=fields.get("text", ""),
                canned_response=UUID(canned) if canned else None,
                private=fields.get("private") == "on",
                account=fields.get("account") or None,
                status_after=fields.get("status_after") or None,  # type: ignore[arg-type]
            ),
        )

    return await _act(request, services, signed, ref, M.TICKETS_REPLY, build)


async def _list_page(
    request: Request,
    services: Services,
    signed: session.Session,
    *,
    error: str = "",
    status_code: int = 200,
) -> Response:
    caller = session.caller_of(signed.agent)
    level = request.query_params.get("level") or None
    pending = await call(
        services, TICKETING_RPC, M.APPROVALS_LIST, ApprovalQuery(level=level), caller
    )
    rejected = await call(
        services,
        TICKETING_RPC,
        M.APPROVALS_LIST,
        ApprovalQuery(level=level, state="rejected"),
        caller,
    )
    return page(
        request,
        "approvals.html.j2",
        language=signed.agent.language,
        status_code=status_code,
        agent=signed.agent,
        me=f"agent:{signed.agent.id}",
        pending=pending,
        rejected=rejected,
        error=error,
        saved=request.query_params.get("saved") == "1",
    )


@router.get("/approvals", response_class=HTMLResponse)
async def approvals_page(
    request: Request, signed: session.Session, services: ServicesDep
) -> Response:
    return await _list_page(request, services, signed)


async def _decide(
    request: Request,
    services: Services,
    signed: session.Session,
    method: M,
    build: Any,
    back: str,
) -> Response:
    """Run one decision; back to the list (or page) it came from, with the reason if refused."""
    caller = session.caller_of(signed.agent)
    render = _list_page if back == "/approvals" else _canned_page
    try:
        params: BaseModel = build()
    except ValidationError as exc:
        return await render(request, services, signed, error=_reason(exc), status_code=422)
    try:
        await call(services, TICKETING_RPC, method, params, caller)
    except Refused as refused:
        shown_refusal = shown(refused, signed)
        return await render(
            request, services, signed, error=shown_refusal.detail, status_code=refused.status
        )
    return RedirectResponse(f"{back}?saved=1", status_code=303)


@router.post("/approvals/{reply_id}/edit", response_class=HTMLResponse)
async def edit_approval(
    reply_id: UUID,
    request: Request,
    fields: session.CheckedForm,
    signed: session.Session,
    services: ServicesDep,
) -> Response:
    """New text; on a rejected reply (its author's page) it also sends it back for approval."""
    held = await call(
        services,
        TICKETING_RPC,
        M.APPROVALS_LIST,
        ApprovalQuery(state="rejected"),
        session.caller_of(signed.agent),
    )
    if any(str(h["reply_id"]) == str(reply_id) for h in held):
        return await _decide(
            request,
            services,
            signed,
            M.APPROVALS_RESUBMIT,
            lambda: ApprovalResubmitting(
                reply_id=reply_id,
                resubmission=ApprovalResubmission(text=fields.get("text") or None),
            ),
            "/approvals",
        )
    return await _decide(
        request,
        services,
        signed,
        M.APPROVALS_EDIT,
        lambda: ApprovalEditing(reply_id=reply_id, edit=ApprovalEdit(text=fields.get("text", ""))),
        "/approvals",
    )


@router.post("/approvals/{reply_id}/approve", response_class=HTMLResponse)
async def approve(
    reply_id: UUID,
    request: Request,
    fields: session.CheckedForm,
    signed: session.Session,
    services: ServicesDep,
) -> Response:
    return await _decide(
        request,
        services,
        signed,
        M.APPROVALS_APPROVE,
        lambda: ApprovalRef(reply_id=reply_id),
        "/approvals",
    )


@router.post("/approvals/{reply_id}/reject", response_class=HTMLResponse)
async def reject(
    reply_id: UUID,
    request: Request,
    fields: session.CheckedForm,
    signed: session.Session,
    services: ServicesDep,
) -> Response:
    return await _decide(
        request,
        services,
        signed,
        M.APPROVALS_REJECT,
        lambda: ApprovalRejecting(
            reply_id=reply_id, rejection=ApprovalRejection(reason=fields.get("reason", ""))
        ),
        "/approvals",
    )


async def _canned_page(
    request: Request,
    services: Services,
    signed: session.Session,
    *,
    error: str = "",
    status_code: int = 200,
) -> Response:
    q = request.query_params.get("q", "")[:200]
    items = await call(
        services,
        TICKETING_RPC,
        M.CANNED_LIST,
        CannedQuery(q=q or None, limit=500),
        session.caller_of(signed.agent),
    )
    return page(
        request,
        "canned.html.j2",
        language=signed.agent.language,
        status_code=status_code,
        agent=signed.agent,
        items=items,
        q=q,
        error=error,
        saved=request.query_params.get("saved") == "1",
    )


@router.get("/canned", response_class=HTMLResponse)
async def canned_page(request: Request, signed: session.Session, services: ServicesDep) -> Response:
    return await _canned_page(request, services, signed)


def _canned(fields: dict[str, str]) -> CannedCreate:
    return CannedCreate(
        shortcut=fields.get("shortcut", "").lstrip("/"),
        title=fields.get("title", ""),
        text=fields.get("text", ""),
        scope=fields.get("scope") or "personal",  # type: ignore[arg-type]
        scope_key=fields.get("scope_key") or None,
    )


@router.post("/canned", response_class=HTMLResponse)
async def create_canned(
    request: Request, fields: session.CheckedForm, signed: session.Session, services: ServicesDep
) -> Response:
    return await _decide(
        request, services, signed, M.CANNED_CREATE, lambda: _canned(fields), "/canned"
    )


@router.post("/canned/{canned_id}", response_class=HTMLResponse)
async def replace_canned(
    canned_id: UUID,
    request: Request,
    fields: session.CheckedForm,
    signed: session.Session,
    services: ServicesDep,
) -> Response:
    return await _decide(
        request,
        services,
        signed,
        M.CANNED_REPLACE,
        lambda: CannedReplace(
            id=canned_id, body=_canned(fields), expected_revision=form_revision(fields)
        ),
        "/canned",
    )


@router.post("/canned/{canned_id}/delete", response_class=HTMLResponse)
async def delete_canned(
    canned_id: UUID,
    request: Request,
    fields: session.CheckedForm,
    signed: session.Session,
    services: ServicesDep,
) -> Response:
    return await _decide(
        request, services, signed, M.CANNED_DELETE, lambda: CannedRef(id=canned_id), "/canned"
    )
