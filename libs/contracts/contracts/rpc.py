"""Request/reply envelope between the gateway and the services that own data.

A request names a method and carries its params; the reply is either a result or an error
with the HTTP status the gateway should answer with. Errors are part of the contract so the
gateway stays free of domain logic.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from contracts.base import Contract

STALE_REVISION = "stale_revision"
"""The ``code`` of a 409 refusing a write that names a revision of the record which is no
longer its current one: someone else saved it in between (read it again, then decide)."""


class Caller(Contract):
    """Who is asking, as the gateway authenticated them."""

    id: str
    role: Literal["admin", "agent", "system"] = "agent"


class RpcRequest(Contract):
    method: str = Field(min_length=1, max_length=100)
    params: dict[str, Any] = {}
    caller: Caller


class FieldError(Contract):
    """One refused value, in the shape of FastAPI's validation errors, so the gateway can
    answer every 422 alike (docs/api.md, "Errors")."""

    loc: list[str | int] = Field(
        description='Where the value is in the request\'s parameters, e.g. ["open_ticket", '
        '"priority"]; empty when the refusal is about the request as a whole.'
    )
    msg: str
    type: str


class RpcError(Contract):
    status: int = Field(ge=400, le=599)
    code: str
    detail: str
    errors: list[FieldError] = Field(
        default=[], description="For a 422: each refused value and where it is."
    )


class RpcReply(Contract):
    result: Any = None
    error: RpcError | None = None
