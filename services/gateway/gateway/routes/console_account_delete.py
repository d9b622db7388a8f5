"""Deleting an account from the administrators' screens, in two steps: a page that names the
account and says what deleting it does, then the confirmed form. The same ingestor method as
``DELETE /v1/accounts/{account_id}``, as the signed-in administrator agent. (Switching an
account off instead is the "Active" box of the accounts list.)"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from contracts.accounts import ACCOUNT_ID_PATTERN, AccountKey
from contracts.credentials import SessionRead
from contracts.rpc_ingestor import IngestorMethod
from contracts.topology import INGESTOR_RPC
from gateway.console import session
from gateway.console.admin_calls import caller_of, not_admin
from gateway.console.calls import Refused, call
from gateway.console.render import page
from gateway.deps import ServicesDep

router = APIRouter(include_in_schema=False)
AccountId = Annotated[str, Path(min_length=1, max_length=64, pattern=ACCOUNT_ID_PATTERN)]


def _confirmation(
    request: Request,
    signed: SessionRead,
    account: dict[str, object],
    error: str = "",
    status: int = 200,
) -> Response:
    return page(
        request,
        "admin_account_delete.html.j2",
        language=signed.agent.language,
        status_code=status,
        agent=signed.agent,
        account=account,
        error=error,
    )


def _refusal_page(request: Request, signed: SessionRead, refusal: Refused) -> Response:
    return page(
        request,
        "refused.html.j2",
        language=signed.agent.language,
        agent=signed.agent,
        status_code=refusal.status,
        detail=refusal.detail,
    )


@router.get("/admin/accounts/{account_id}/delete", response_class=HTMLResponse)
async def confirm_delete(
    account_id: AccountId, request: Request, signed: session.Session, services: ServicesDep
) -> Response:
    """What is about to be deleted, with the button that does it and a way back."""
    if refused := not_admin(request, signed):
        return refused
    key = AccountKey(id=account_id)
    try:
        found = await call(
            services, INGESTOR_RPC, IngestorMethod.ACCOUNTS_GET, key, caller_of(signed)
        )
    except Refused as refusal:
        return _refusal_page(request, signed, refusal)
    return _confirmation(request, signed, found)


@router.post("/admin/accounts/{account_id}/delete", response_class=HTMLResponse)
async def delete_account(
    account_id: AccountId,
    request: Request,
    fields: session.CheckedForm,
    signed: session.Session,
    services: ServicesDep,
) -> Response:
    if refused := not_admin(request, signed):
        return refused
    key = AccountKey(id=account_id)
    try:
        await call(services, INGESTOR_RPC, IngestorMethod.ACCOUNTS_DELETE, key, caller_of(signed))
    except Refused as refusal:
        return _refusal_page(request, signed, refusal)
    return RedirectResponse("/admin/accounts?deleted=1", status_code=303)
