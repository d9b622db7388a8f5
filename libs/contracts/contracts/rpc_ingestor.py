"""Request/reply with the ingestor (``ingestor.rpc``): the method names, and for each the model
of its parameters and of its answer (``SHAPES``), written once for the gateway and the ingestor."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel

from contracts.accounts import (
    AccountCreate,
    AccountKey,
    AccountList,
    AccountRead,
    AccountReplace,
    AccountReplay,
    AccountsQuery,
    Deleted,
    Replayed,
)


class IngestorMethod(StrEnum):
    ACCOUNTS_LIST = "accounts.list"
    ACCOUNTS_GET = "accounts.get"
    ACCOUNTS_CREATE = "accounts.create"
    ACCOUNTS_REPLACE = "accounts.replace"
    ACCOUNTS_DELETE = "accounts.delete"
    ACCOUNTS_REPLAY = "accounts.replay"


SHAPES: dict[IngestorMethod, tuple[type[BaseModel], type[BaseModel]]] = {
    IngestorMethod.ACCOUNTS_LIST: (AccountsQuery, AccountList),
    IngestorMethod.ACCOUNTS_GET: (AccountKey, AccountRead),
    IngestorMethod.ACCOUNTS_CREATE: (AccountCreate, AccountRead),
    IngestorMethod.ACCOUNTS_REPLACE: (AccountReplace, AccountRead),
    IngestorMethod.ACCOUNTS_DELETE: (AccountKey, Deleted),
    IngestorMethod.ACCOUNTS_REPLAY: (AccountReplay, Replayed),
}
