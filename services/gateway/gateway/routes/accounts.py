"""Accounts (a brand's profiles on the networks), owned by the ingestor; administrators only.
Credentials are accepted and never returned."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from contracts.accounts import (
    ACCOUNT_ID_PATTERN,
    AccountCreate,
    AccountFields,
    AccountKey,
    AccountList,
    AccountRead,
    AccountReplace,
    AccountReplay,
    AccountsQuery,
    Replayed,
    ReplayWindow,
)
from contracts.rpc_ingestor import IngestorMethod
from contracts.topology import INGESTOR_RPC
from gateway import revisions
from gateway.deps import AdminCaller, ServicesDep


class NoEcho(APIRoute):
    """A refused body is answered without the ``input`` FastAPI echoes by default: for an
    account that input can hold the credentials, which are never returned."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await handle(request)
            except RequestValidationError as exc:
                errors = [
                    {k: v for k, v in e.items() if k not in ("input", "ctx")} for e in exc.errors()
                ]
                raise RequestValidationError(errors) from None

        return handler


router = APIRouter(prefix="/v1/accounts", tags=["accounts"], route_class=NoEcho)

Responses = dict[int | str, dict[str, Any]]
NOT_FOUND: Responses = {404: {"description": "No such account"}}
ADMIN_ONLY: Responses = {403: {"description": "Only an administrator can do this"}}
TAKEN: Responses = {
    409: {"description": "The id, or the channel's network id, is already registered"}
}
AccountPath = Annotated[str, Path(min_length=1, max_length=64, pattern=ACCOUNT_ID_PATTERN)]
"""Checked here as the contract checks it: an id that could never exist is a 422, not a 500
from building the request to the ingestor."""


@router.get("", response_model=AccountList, responses=ADMIN_ONLY)
async def list_accounts(caller: AdminCaller, services: ServicesDep) -> Any:
    """Every account with its health."""
    return await services.relay(INGESTOR_RPC, IngestorMethod.ACCOUNTS_LIST, AccountsQuery(), caller)


@router.post(
    "",
    response_model=AccountRead,
    status_code=status.HTTP_201_CREATED,
    responses={**ADMIN_ONLY, **TAKEN},
)
async def create_account(body: AccountCreate, caller: AdminCaller, services: ServicesDep) -> Any:
    params = wire_body(body)
    return await services.call(INGESTOR_RPC, IngestorMethod.ACCOUNTS_CREATE, params, caller)


@router.get("/{account_id}", response_model=AccountRead, responses={**NOT_FOUND, **ADMIN_ONLY})
async def get_account(
    account_id: AccountPath, caller: AdminCaller, services: ServicesDep, response: Response
) -> Any:
    found = await services.call(
        INGESTOR_RPC, IngestorMethod.ACCOUNTS_GET, AccountKey(id=account_id), caller
    )
    return revisions.tagged(response, found)


@router.put(
    "/{account_id}",
    response_model=AccountRead,
    responses={
        **NOT_FOUND,
        **ADMIN_ONLY,
        409: {
            "description": f"{TAKEN[409]['description']}; or `If-Match` names a revision the "
            "account has moved past (someone else saved it since it was read)"
        },
    },
)
async def replace_account(
    account_id: AccountPath,
    body: AccountFields,
    caller: AdminCaller,
    services: ServicesDep,
    response: Response,
    if_match: revisions.IfMatch = None,
) -> Any:
    """Replaces everything but the credentials when they are left out (they are kept)."""
    params: dict[str, Any] = {"id": account_id, "body": wire_body(body)}
    if (expected := revisions.expected(if_match, None)) is not None:
        params["expected_revision"] = expected
    AccountReplace.model_validate(params)  # the id's shape, refused here with a 422
    saved = await services.call(INGESTOR_RPC, IngestorMethod.ACCOUNTS_REPLACE, params, caller)
    return revisions.tagged(response, saved)


@router.delete(
    "/{account_id}", status_code=status.HTTP_204_NO_CONTENT, responses={**NOT_FOUND, **ADMIN_ONLY}
)
async def delete_account(
    account_id: AccountPath, caller: AdminCaller, services: ServicesDep
) -> Response:
    await services.call(
        INGESTOR_RPC, IngestorMethod.ACCOUNTS_DELETE, AccountKey(id=account_id), caller
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{account_id}/replay", response_model=Replayed, responses={**NOT_FOUND, **ADMIN_ONLY})
async def replay_account(
    account_id: AccountPath, window: ReplayWindow, caller: AdminCaller, services: ServicesDep
) -> Any:
    """Reads the account's kept raw deliveries received in [``from``, ``to``) again through
    today's normalisation: what is already stored counts as a duplicate, what was missed (or
    arrived before the account was registered) is accepted now. Deliveries are kept
    INGESTOR_RAW_DELIVERY_DAYS; webhook and mail deliveries are replayable, polls are not."""
    params = AccountReplay(id=account_id, window=window)
    return await services.call(
        INGESTOR_RPC,
        IngestorMethod.ACCOUNTS_REPLAY,
        {"id": account_id, "window": params.window.model_dump(mode="json", by_alias=True)},
        caller,
    )


def wire_body(body: AccountFields) -> dict[str, Any]:
    """The body for the ingestor with the credentials in clear: pydantic masks SecretStr as
    '**********' when dumping, and RabbitMQ between the two is the system's own wire."""
    data = body.model_dump(mode="json", exclude={"credentials"}, exclude_unset=True)
    if body.credentials is not None:
        data["credentials"] = {k: v.get_secret_value() for k, v in body.credentials.items()}
    return data
