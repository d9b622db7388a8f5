"""Routes that FastAPI calls without resolving their parameters, for the busiest reads.

For every request to an ``APIRoute``, FastAPI's handler reads the body, solves the
dependencies (four passes: the path, query, header and cookie parameters, even for a route
that declares only ``request: Request``), times each step for its telemetry and then calls the
endpoint: about a tenth of the gateway's CPU per ticket page (cProfile, issue 8). A
``DirectRoute`` endpoint takes the request and its path parameters, all of them strings, and
nothing else: authentication and the query are its own work (``gateway.deps.authenticated``,
``gateway.query_params.parse``), so FastAPI has nothing to solve, and the handler calls it
with them directly. Everything around the handler is FastAPI's as for any route: the
middleware, the exception handlers, the route's OpenAPI (its path parameters included).

A route whose endpoint, router or inclusion declares anything else (a dependency, a query or
header parameter, a body, a path parameter that is not a string) is refused when it is built,
so nothing it declares is ever skipped."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, _effective_route_context_var

Endpoint = Callable[..., Awaitable[Response]]


class DirectRoute(APIRoute):
    """An ``APIRoute`` whose handler calls ``endpoint(request=..., **path_params)``."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        context = _effective_route_context_var.get()  # set while an inclusion builds it
        dependant: Dependant = (
            context.dependant
            if context is not None and context.original_route is self
            else self.dependant
        )
        refuse_what_would_be_skipped(self.path, dependant, self.body_field)
        endpoint: Endpoint = self.endpoint

        async def handler(request: Request) -> Response:
            return await endpoint(request=request, **request.path_params)

        return handler


def refuse_what_would_be_skipped(path: str, dependant: Dependant, body: object) -> None:
    declared = (
        dependant.dependencies,
        dependant.query_params,
        dependant.header_params,
        dependant.cookie_params,
        dependant.body_params,
    )
    if any(declared) or body is not None or dependant.request_param_name != "request":
        raise TypeError(
            f"{path}: a DirectRoute endpoint takes `request: Request` and string path "
            "parameters only (no dependency, query, header, cookie or body parameter)"
        )
    for field in dependant.path_params:
        if field.field_info.annotation is not str:
            raise TypeError(f"{path}: path parameter {field.name} must be a str")


def direct_get(router: APIRouter, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
    """``@router.get(path, **options)`` for a ``DirectRoute``, in the router's route order."""

    def register(endpoint: Endpoint) -> Endpoint:
        router.add_api_route(
            path, endpoint, methods=["GET"], route_class_override=DirectRoute, **options
        )
        return endpoint

    return register
