"""The console's calls to the services: the same RPC methods and typed parameters the API
uses, as the signed-in agent. A refusal (4xx) comes back as ``Refused`` so the page can show
its reason beside the form; a service failure (5xx) stays an error."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException
from pydantic import BaseModel, ValidationError

from contracts.rpc import Caller, RpcError
from gateway.deps import Services


class Refused(Exception):
    """A service's refusal (or a form the contracts refuse) to show on the page: a status
    change not allowed, a bad rule, an account the level does not serve."""

    def __init__(self, error: RpcError) -> None:
        super().__init__(error.detail)
        self.error = error

    @property
    def status(self) -> int:
        return int(self.error.status)

    @property
    def detail(self) -> str:
        return str(self.error.detail)

    @classmethod
    def because(cls, status: int, detail: str) -> Refused:
        """A refusal the console decides itself, before asking any service."""
        return cls(RpcError(status=status, code="refused", detail=detail))

    @classmethod
    def invalid(cls, exc: ValidationError) -> Refused:
        """A form the contracts refuse, as one 422 line of reasons."""
        lines = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" if e["loc"] else str(e["msg"])
            for e in exc.errors(include_url=False)
        )
        return cls.because(422, lines)


async def call(
    services: Services,
    queue: str,
    method: str,
    params: BaseModel | dict[str, Any],
    caller: Caller,
) -> Any:
    """The result; a refusal below 500 raises Refused, anything worse is the HTTP error."""
    reply = await services.reply(queue, method, params, caller)
    if reply.error is None:
        return reply.result
    if reply.error.status >= 500:
        raise HTTPException(reply.error.status, reply.error.detail)
    raise Refused(reply.error)


def reasons(exc: ValidationError) -> list[str]:
    """A validation error's reasons, each with where it is ("when → text_any: …")."""
    found = []
    for error in exc.errors(include_url=False):
        where = " → ".join(str(part) for part in error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        found.append(f"{where}: {message}" if where else message)
    return found


def refusal_lines(error: RpcError) -> list[str]:
    """A service's refusal as lines: a 422's refused values one by one, else its detail."""
    lines = []
    for item in error.errors:
        where = " → ".join(str(part) for part in item.loc if part != "body")
        message = item.msg.removeprefix("Value error, ")
        lines.append(f"{where}: {message}" if where else message)
    return lines or [error.detail]
