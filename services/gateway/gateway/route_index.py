"""Choosing a request's route without trying every router before it.

FastAPI tries the app's routes in the order they were added, and an included router tries
each of its routes in turn: a console page, included after every ``/v1`` router, was matched
against some 150 API routes before its own (~250 µs of the gateway's ~1.7 ms per inbox page,
py-spy on bench/console.py, 2026-12-01). ``RouteIndex``, the app's first route, tries the same
routes in the same order but skips each included router none of whose paths can match: a
route's path matches only paths that start with its text before the first ``{``. The first
route that matches in full is the one FastAPI would have chosen; when that is an included
router, the index hands the request to it, else (no full match: a 404, a 405, a slash to
redirect; or the first match is a route of the app's own, like the probes) it answers no
match and FastAPI goes on as before, from its second route, in its own order."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NoReturn

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute, APIWebSocketRoute, _IncludedRouter
from starlette._utils import get_route_path
from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.types import Receive, Scope, Send

SELECTED = "socialdesk.route_index.selected"
"""The scope's key for the included router the index chose (``matches`` to ``handle``)."""

Candidate = tuple[tuple[str, ...] | None, BaseRoute]
"""A route of the app and the texts every path it matches starts with (None: any path)."""


def path_starts(route: BaseRoute) -> tuple[str, ...] | None:
    """What every path ``route`` can match starts with, one text per path of its; None when
    that is not known (a route of the app's own, a mount or a host in a router)."""
    if not isinstance(route, _IncludedRouter):
        return None
    starts: set[str] = set()
    for context in route.effective_route_contexts():
        if not isinstance(context.original_route, (APIRoute, APIWebSocketRoute)):
            return None
        starts.add(context.path_format.split("{", 1)[0])
    return tuple(sorted(starts))


class RouteIndex(BaseRoute):
    """The app's routes but itself, each with what its paths start with; built on the first
    request, and again whenever the number of the app's routes changed (routes are added
    to the app, and routers included, before it serves)."""

    def __init__(self, router: APIRouter) -> None:
        self._router = router
        self._size = -1
        self._candidates: list[Candidate] = []

    def candidates(self) -> Sequence[Candidate]:
        routes = self._router.routes
        if len(routes) != self._size:
            self._candidates = [(path_starts(r), r) for r in routes if r is not self]
            self._size = len(routes)
        return self._candidates

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http":
            return Match.NONE, {}
        path = get_route_path(scope)
        for starts, route in self.candidates():
            if starts is not None and not path.startswith(starts):
                continue
            match, child_scope = route.matches(scope)
            if match == Match.FULL:
                if isinstance(route, _IncludedRouter):
                    return Match.FULL, {**child_scope, SELECTED: route}
                break
        return Match.NONE, {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        route: BaseRoute = scope.pop(SELECTED)
        await route.handle(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: object) -> NoReturn:
        raise NoMatchFound(name, path_params)


def install(app: FastAPI) -> RouteIndex:
    """Put the index first among ``app``'s routes: call it once every route is added."""
    index = RouteIndex(app.router)
    app.router.routes.insert(0, index)
    return index
