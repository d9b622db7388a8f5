"""People: the author panel, person edits, unification and split (docs/domain.md F28, F29).
Agents reach the people who wrote in tickets they may see; anyone else is 404 to them."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query

from contracts.persons import (
    PersonDetail,
    PersonPage,
    PersonPatch,
    PersonQuery,
    PersonRead,
    PersonSplit,
    PersonSplitResult,
    PersonUnify,
    Proposal,
    UnificationSettings,
)
from contracts.rpc_ticketing import (
    NoParams,
    PersonRef,
    PersonSplitting,
    PersonUnifying,
    PersonUpdate,
    TicketingMethod,
)
from contracts.topology import TICKETING_RPC
from gateway.deps import AdminCaller, CurrentCaller, ServicesDep

router = APIRouter(prefix="/v1/people", tags=["people"])

M = TicketingMethod
NOT_FOUND = {404: {"description": "No such person, or none you may see"}}


@router.get("", response_model=PersonPage)
async def list_people(
    query: Annotated[PersonQuery, Query()], caller: CurrentCaller, services: ServicesDep
) -> Any:
    """People by name. `q` finds part of a name, an e-mail, a tax id or a handle; repeat
    `group` or `channel` to mean "any of". Agents get only people who wrote in tickets they
    may see, so their pages can be shorter than `page_size` (`more` says whether to go on)."""
    return await services.call(TICKETING_RPC, M.PEOPLE_LIST, query, caller)


@router.get("/settings", response_model=UnificationSettings)
async def get_settings(caller: CurrentCaller, services: ServicesDep) -> Any:
    """Whether people sharing a verified e-mail or tax id are unified at once (else proposed)."""
    return await services.call(TICKETING_RPC, M.PEOPLE_SETTINGS_GET, NoParams(), caller)


@router.put(
    "/settings",
    response_model=UnificationSettings,
    responses={403: {"description": "Only an administrator can do this"}},
)
async def set_settings(
    body: UnificationSettings, caller: AdminCaller, services: ServicesDep
) -> Any:
    return await services.call(TICKETING_RPC, M.PEOPLE_SETTINGS_SET, body, caller)


@router.get("/{person_id}", response_model=PersonDetail, responses=NOT_FOUND)
async def get_person(person_id: UUID, caller: CurrentCaller, services: ServicesDep) -> Any:
    """The author panel: the person's data and identities on every channel, their tickets
    (open in your levels, open in others, past), their interactions on every channel (newest
    first), counts and the history of changes to the person."""
    return await services.call(TICKETING_RPC, M.PEOPLE_GET, PersonRef(id=person_id), caller)


@router.patch("/{person_id}", response_model=PersonRead, responses=NOT_FOUND)
async def update_person(
    person_id: UUID, patch: PersonPatch, caller: CurrentCaller, services: ServicesDep
) -> Any:
    """Edit name, tax id (a CPF or CNPJ with valid check digits, else 422), e-mails, phones and
    other fields. Each change is a line of the person's history (who, when, before, after)."""
    return await services.call(
        TICKETING_RPC, M.PEOPLE_UPDATE, PersonUpdate(id=person_id, patch=patch), caller
    )


@router.get("/{person_id}/proposals", response_model=list[Proposal], responses=NOT_FOUND)
async def proposals(person_id: UUID, caller: CurrentCaller, services: ServicesDep) -> Any:
    """Other people sharing an e-mail or tax id with this one: candidates to unify."""
    return await services.call(TICKETING_RPC, M.PEOPLE_PROPOSALS, PersonRef(id=person_id), caller)


@router.post("/{person_id}/unify", response_model=PersonRead, responses=NOT_FOUND)
async def unify(
    person_id: UUID, body: PersonUnify, caller: CurrentCaller, services: ServicesDep
) -> Any:
    """The other person joins this one (identities, data, groups); recorded with who, when
    and why, and undone by a split naming the unification."""
    return await services.call(
        TICKETING_RPC, M.PEOPLE_UNIFY, PersonUnifying(id=person_id, unify=body), caller
    )


@router.post("/{person_id}/split", response_model=PersonSplitResult, responses=NOT_FOUND)
async def split(
    person_id: UUID, body: PersonSplit, caller: CurrentCaller, services: ServicesDep
) -> Any:
    """Take identities out into a person of their own, or undo a unification (the absorbed
    person comes back as it was). The two are never unified automatically again."""
    return await services.call(
        TICKETING_RPC, M.PEOPLE_SPLIT, PersonSplitting(id=person_id, split=body), caller
    )
