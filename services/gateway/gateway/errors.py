"""One shape for every 422 the gateway answers: FastAPI's ``HTTPValidationError``, as the
OpenAPI documents it, ``{"detail": [{"loc": [...], "msg": "...", "type": "..."}]}``. Request
validation already answers so; this turns the services' ``Invalid`` refusals (relayed by
``deps.Services``) and any handler's ``HTTPException(422, "reason")`` into it too. Other
statuses keep ``{"detail": "reason"}``."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from contracts.rpc import RpcError

UNPROCESSABLE = 422


def unprocessable(description: str) -> dict[str, Any]:
    """A route's own 422 description for ``responses=``, keeping the documented shape (FastAPI
    leaves the schema out of a 422 a route describes itself)."""
    return {
        "description": description,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/HTTPValidationError"}}
        },
    }


class ServiceRefusal(HTTPException):
    """A service's refusal, answered with its status; a 422 lists its refused values."""

    def __init__(self, error: RpcError) -> None:
        super().__init__(error.status, error.detail)
        self.error = error


def field_errors(error: RpcError, *, where: str) -> list[dict[str, Any]]:
    """A service's 422 as validation errors. The services name a value by its place in the
    method's parameters, which the gateway built from the request's body (or, for a read,
    its query)."""
    if error.errors:
        return [{"loc": [where, *e.loc], "msg": e.msg, "type": e.type} for e in error.errors]
    return [{"loc": [where], "msg": error.detail, "type": error.code}]


def _is_error_list(detail: Any) -> bool:
    return isinstance(detail, list) and all(
        isinstance(e, dict) and {"loc", "msg", "type"} <= e.keys() for e in detail
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == UNPROCESSABLE and not _is_error_list(exc.detail):
        where = "query" if request.method in ("GET", "HEAD", "DELETE") else "body"
        if isinstance(exc, ServiceRefusal):
            detail = field_errors(exc.error, where=where)
        else:
            detail = [{"loc": [where], "msg": str(exc.detail), "type": "value_error"}]
        exc = HTTPException(UNPROCESSABLE, detail, headers=exc.headers)
    return await http_exception_handler(request, exc)


def install(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, _http_error)
