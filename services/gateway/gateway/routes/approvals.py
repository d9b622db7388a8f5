"""Replies held for approval (F21) and canned responses (F20) (docs/api.md "Approvals" and
"Canned responses")."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from contracts.approvals import (
    ApprovalEdit,
    ApprovalQuery,
    ApprovalRead,
    ApprovalRejection,
    ApprovalResubmission,
)
from contracts.canned import CannedCreate, CannedQuery, CannedRead, CannedUpdate
from contracts.rpc_ticketing import (
    ApprovalEditing,
    ApprovalRef,
    ApprovalRejecting,
    ApprovalResubmitting,
    CannedRef,
    CannedReplace,
    TicketingMethod,
)
from contracts.tickets import StoredInteraction
from contracts.topology import TICKETING_RPC
from gateway import revisions
from gateway.deps import CurrentCaller, ServicesDep

router = APIRouter(prefix="/v1/approvals", tags=["approvals"])
canned_router = APIRouter(prefix="/v1/canned-responses", tags=["canned responses"])

HELD = {
    404: {"description": "No such reply held for approval, or not one you may see"},
    403: {"description": "You do not approve this level's replies (or it is your own reply)"},
    409: {"description": "The reply is no longer in the state this needs (decided meanwhile)"},
}
CANNED = {
    404: {"description": "No such canned response, or not one you see"},
    403: {"description": "You may not write a response in that scope"},
}


@router.get("", response_model=list[ApprovalRead])
async def list_approvals(
    query: Annotated[ApprovalQuery, Query()], caller: CurrentCaller, services: ServicesDep
) -> Any:
    """Replies waiting for approval (or, with `state=rejected`, rejected ones waiting for
    their author) in the levels you approve (a level's `approvers`; admins: all), plus your
    own, oldest first."""
    return await services.relay(TICKETING_RPC, TicketingMethod.APPROVALS_LIST, query, caller)


@router.put("/{reply_id}", response_model=ApprovalRead, responses=HELD)
async def edit_approval(
    reply_id: UUID, edit: ApprovalEdit, caller: CurrentCaller, services: ServicesDep
) -> Any:
    """Change a held reply's text: an approver while it waits, its author while it waits or
    after it was rejected."""
    return await services.call(
        TICKETING_RPC,
        TicketingMethod.APPROVALS_EDIT,
        ApprovalEditing(reply_id=reply_id, edit=edit),
        caller,
    )


@router.post(
    "/{reply_id}/approve",
    response_model=StoredInteraction,
    status_code=status.HTTP_202_ACCEPTED,
    responses=HELD,
)
async def approve(reply_id: UUID, caller: CurrentCaller, services: ServicesDep) -> Any:
    """Send it: the reply becomes `queued` and goes out like any other; the ticket's history
    names you as its approver. Authors cannot approve their own."""
    return await services.call(
        TICKETING_RPC, TicketingMethod.APPROVALS_APPROVE, ApprovalRef(reply_id=reply_id), caller
    )


@router.post("/{reply_id}/reject", response_model=ApprovalRead, responses=HELD)
async def reject(
    reply_id: UUID, rejection: ApprovalRejection, caller: CurrentCaller, services: ServicesDep
) -> Any:
    """Do not send it: its state becomes `rejected` with your reason, and its author is told
    (e-mail and live event) and may edit and resubmit it."""
    return await services.call(
        TICKETING_RPC,
        TicketingMethod.APPROVALS_REJECT,
        ApprovalRejecting(reply_id=reply_id, rejection=rejection),
        caller,
    )


@router.post("/{reply_id}/resubmit", response_model=ApprovalRead, responses=HELD)
async def resubmit(
    reply_id: UUID,
    resubmission: ApprovalResubmission,
    caller: CurrentCaller,
    services: ServicesDep,
) -> Any:
    """The author sends a rejected reply back for approval, with new `text` or as it was."""
    return await services.call(
        TICKETING_RPC,
        TicketingMethod.APPROVALS_RESUBMIT,
        ApprovalResubmitting(reply_id=reply_id, resubmission=resubmission),
        caller,
    )


@canned_router.get("", response_model=list[CannedRead])
async def list_canned(
    query: Annotated[CannedQuery, Query()], caller: CurrentCaller, services: ServicesDep
) -> Any:
    """The canned responses you see (global, your levels', your teams', your own; admins:
    all but others' personal ones), by shortcut; `q` searches text, title and shortcut,
    `shortcut` matches their start (`/tha` finds `/thanks`)."""
    return await services.relay(TICKETING_RPC, TicketingMethod.CANNED_LIST, query, caller)


@canned_router.post(
    "",
    response_model=CannedRead,
    status_code=status.HTTP_201_CREATED,
    responses={**CANNED, 409: {"description": "The shortcut is taken in that scope"}},
)
async def create_canned(body: CannedCreate, caller: CurrentCaller, services: ServicesDep) -> Any:
    """Save a canned response. Its text may use `{{ customer_name }}`, `{{ protocol }}`,
    `{{ agent_name }}` and `{{ level }}`, filled when a reply uses it; any other placeholder
    is refused with 422."""
    return await services.call(TICKETING_RPC, TicketingMethod.CANNED_CREATE, body, caller)


@canned_router.get("/{canned_id}", response_model=CannedRead, responses=CANNED)
async def get_canned(
    canned_id: UUID, caller: CurrentCaller, services: ServicesDep, response: Response
) -> Any:
    found = await services.call(
        TICKETING_RPC, TicketingMethod.CANNED_GET, CannedRef(id=canned_id), caller
    )
    return revisions.tagged(response, found)


@canned_router.put(
    "/{canned_id}",
    response_model=CannedRead,
    responses={
        **CANNED,
        409: {
            "description": "The shortcut is taken in that scope, or `If-Match` (or the body's "
            "`revision`) names a revision the response has moved past"
        },
    },
)
async def replace_canned(
    canned_id: UUID,
    body: CannedUpdate,
    caller: CurrentCaller,
    services: ServicesDep,
    response: Response,
    if_match: revisions.IfMatch = None,
) -> Any:
    replace = CannedReplace(
        id=canned_id,
        body=revisions.record(body, CannedCreate),
        expected_revision=revisions.expected(if_match, body.revision),
    )
    saved = await services.call(TICKETING_RPC, TicketingMethod.CANNED_REPLACE, replace, caller)
    return revisions.tagged(response, saved)


@canned_router.delete("/{canned_id}", status_code=status.HTTP_204_NO_CONTENT, responses=CANNED)
async def delete_canned(canned_id: UUID, caller: CurrentCaller, services: ServicesDep) -> Response:
    await services.call(
        TICKETING_RPC, TicketingMethod.CANNED_DELETE, CannedRef(id=canned_id), caller
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
