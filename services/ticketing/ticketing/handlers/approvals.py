"""Request/reply methods on replies held for approval (F21) and on canned responses (F20)."""

from __future__ import annotations

from typing import Any

from contracts.approvals import ApprovalQuery
from contracts.canned import CannedCreate, CannedQuery
from contracts.rpc import Caller
from contracts.rpc_ticketing import (
    ApprovalEditing,
    ApprovalRef,
    ApprovalRejecting,
    ApprovalResubmitting,
    CannedRef,
    CannedReplace,
    TicketingMethod,
)
from servicekit import rpc
from ticketing.handlers.deps import Deps
from ticketing.usecases import approvals, canned


def methods(deps: Deps) -> dict[str, rpc.Method]:
    store, publisher = deps.store, deps.publisher

    async def list_held(query: ApprovalQuery, caller: Caller) -> Any:
        return await approvals.list_approvals(store=store, query=query, caller=caller)

    async def edit(params: ApprovalEditing, caller: Caller) -> Any:
        return await approvals.edit(
            store=store,
            publisher=publisher,
            reply_id=params.reply_id,
            body=params.edit,
            caller=caller,
            now=deps.clock(),
        )

    async def approve(params: ApprovalRef, caller: Caller) -> Any:
        return await approvals.approve(
            store=store,
            publisher=publisher,
            reply_id=params.reply_id,
            caller=caller,
            now=deps.clock(),
        )

    async def reject(params: ApprovalRejecting, caller: Caller) -> Any:
        return await approvals.reject(
            store=store,
            publisher=publisher,
            reply_id=params.reply_id,
            body=params.rejection,
            caller=caller,
            now=deps.clock(),
        )

    async def resubmit(params: ApprovalResubmitting, caller: Caller) -> Any:
        return await approvals.resubmit(
            store=store,
            publisher=publisher,
            reply_id=params.reply_id,
            body=params.resubmission,
            caller=caller,
            now=deps.clock(),
        )

    async def list_canned(query: CannedQuery, caller: Caller) -> Any:
        return await canned.list_canned(store=store, query=query, caller=caller)

    async def get_canned(params: CannedRef, caller: Caller) -> Any:
        return await canned.get_canned(store=store, canned_id=params.id, caller=caller)

    async def create_canned(body: CannedCreate, caller: Caller) -> Any:
        return await canned.create_canned(store=store, body=body, caller=caller, now=deps.clock())

    async def replace_canned(params: CannedReplace, caller: Caller) -> Any:
        return await canned.replace_canned(
            store=store,
            canned_id=params.id,
            body=params.body,
            caller=caller,
            expected_revision=params.expected_revision,
            now=deps.clock(),
        )

    async def delete_canned(params: CannedRef, caller: Caller) -> Any:
        await canned.delete_canned(store=store, canned_id=params.id, caller=caller)

    M = TicketingMethod
    return {
        M.APPROVALS_LIST: rpc.typed(ApprovalQuery, list_held),
        M.APPROVALS_EDIT: rpc.typed(ApprovalEditing, edit),
        M.APPROVALS_APPROVE: rpc.typed(ApprovalRef, approve),
        M.APPROVALS_REJECT: rpc.typed(ApprovalRejecting, reject),
        M.APPROVALS_RESUBMIT: rpc.typed(ApprovalResubmitting, resubmit),
        M.CANNED_LIST: rpc.typed(CannedQuery, list_canned),
        M.CANNED_GET: rpc.typed(CannedRef, get_canned),
        M.CANNED_CREATE: rpc.typed(CannedCreate, create_canned),
        M.CANNED_REPLACE: rpc.typed(CannedReplace, replace_canned),
        M.CANNED_DELETE: rpc.typed(CannedRef, delete_canned),
    }
