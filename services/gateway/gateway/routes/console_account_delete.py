"""Deleting an account from the administrators' screens, in two steps: a page that names the
account and says what deleting it does, then the confirmed form. The same ingestor method as
``DELETE /v1/accounts/{account_id}``, as the signed-in administrator agent. (Switching an
account off instead is the "Active" box of the accounts list.)"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from contracts.accounts import ACCOUNT_ID_PATTERN, AccountKey
from contracts.rpc_ingestor import IngestorMethod
from contracts.topology import INGESTOR_RPC
from gateway.console import session
from gateway.console.admin_calls import Admin, refusal_page
from gateway.console.calls import Refused

router = APIRouter(include_in_schema=False)
AccountId = Annotated[str, Path(min_length=1, max_length=64, pattern=ACCOUNT_ID_PATTERN)]


@router.get("/admin/accounts/{account_id}/delete", response_class=HTMLResponse)
async def confirm_delete(account_id: AccountId, admin: Admin) -> Response:
    """What is about to be deleted, with the button that does it and a way back."""
    key = AccountKey(id=account_id)
    try:
        found = await admin.call(INGESTOR_RPC, IngestorMethod.ACCOUNTS_GET, key)
    except Refused as refusal:
        return refusal_page(admin, refusal)
    return admin.page("admin_account_delete.html.j2", account=found, error="")


@router.post("/admin/accounts/{account_id}/delete", response_class=HTMLResponse)
async def delete_account(
    account_id: AccountId, fields: session.CheckedForm, admin: Admin
) -> Response:
    key = AccountKey(id=account_id)
    try:
        await admin.call(INGESTOR_RPC, IngestorMethod.ACCOUNTS_DELETE, key)
    except Refused as refusal:
        return refusal_page(admin, refusal)
    return RedirectResponse("/admin/accounts?deleted=1", status_code=303)
