"""The route index picks, for every path the gateway serves, the route FastAPI's own order
picks: the index only skips routers that cannot match."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import _IncludedRouter
from starlette.routing import BaseRoute, Match

from gateway.app import create_app
from gateway.route_index import SELECTED, RouteIndex

PARAM = re.compile(r"\{[^}]+\}")
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


@pytest.fixture(scope="module")
def app() -> FastAPI:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SOCIALDESK_ADMIN_TOKEN", "unit-test-admin-token-0123456789abcdef")
        env.setenv("SOCIALDESK_JWT_SECRET", "unit-test-jwt-secret-0123456789abcdef")
        return create_app()


def scope_of(app: FastAPI, method: str, path: str) -> dict[str, Any]:
    return {
        "type": "http",
        "method": method,
        "path": path,
        "root_path": "",
        "headers": [],
        "query_string": b"",
        "app": app,
    }


def fastapi_choice(routes: list[BaseRoute], scope: dict[str, Any]) -> BaseRoute | None:
    """The first route that matches in full, in the app's order: what FastAPI serves."""
    for route in routes:
        match, _ = route.matches(scope)
        if match == Match.FULL:
            return route
    return None


def every_path(app: FastAPI) -> set[str]:
    """Each route's path with its parameters filled in, a slash added and taken away, and
    paths nothing serves."""
    paths = {"/", "/nope", "/v1", "/v1/", "/v1/nope", "/static/console.css", "/tickets/"}
    for route in app.router.routes:
        if isinstance(route, _IncludedRouter):
            for context in route.effective_route_contexts():
                paths.add(PARAM.sub("x-1", context.path_format))
        elif path := getattr(route, "path", None):
            paths.add(path)
    return paths | {p + "/" for p in paths} | {p.rstrip("/") or "/" for p in paths}


def test_the_index_is_the_first_route(app: FastAPI) -> None:
    assert isinstance(app.router.routes[0], RouteIndex)


def test_every_path_and_method_goes_to_the_route_fastapi_would_choose(app: FastAPI) -> None:
    index, *routes = app.router.routes
    assert isinstance(index, RouteIndex)
    paths = every_path(app)
    assert len(paths) > 250
    chosen_by_index = 0
    for path in sorted(paths):
        for method in METHODS:
            scope = scope_of(app, method, path)
            expected = fastapi_choice(routes, scope)
            match, child_scope = index.matches(scope)
            if isinstance(expected, _IncludedRouter):
                assert match == Match.FULL, (method, path)
                assert child_scope[SELECTED] is expected, (method, path)
                chosen_by_index += 1
            else:  # FastAPI goes on past the index, in its own order
                assert match == Match.NONE, (method, path, expected)
    assert chosen_by_index > 150


def test_a_console_page_is_chosen_without_trying_the_api_routers(app: FastAPI) -> None:
    index = app.router.routes[0]
    assert isinstance(index, RouteIndex)
    tried: list[BaseRoute] = []
    for starts, route in index.candidates():
        if starts is None or "/".startswith(starts) or "/tickets/SD-1".startswith(starts):
            tried.append(route)
    api = [
        r
        for r in app.router.routes
        if isinstance(r, _IncludedRouter)
        and all(c.path_format.startswith("/v1/") for c in r.effective_route_contexts())
    ]
    assert len(api) > 10
    assert not set(map(id, tried)) & set(map(id, api))
