"""A DirectRoute calls its endpoint with the request and the path's strings, and refuses to
be built for an endpoint declaring anything FastAPI would have had to resolve (which the
direct call would silently skip)."""

from __future__ import annotations

from typing import Annotated

import pytest
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.testclient import TestClient

from gateway.direct_route import direct_get


def test_the_endpoint_gets_the_request_and_its_path_parameters() -> None:
    router = APIRouter(prefix="/things")

    @direct_get(router, "/{ref}")
    async def thing(ref: str, request: Request) -> Response:
        return Response(f"{ref} {request.query_params.get('q')}")

    app = FastAPI()
    app.include_router(router)
    with TestClient(app) as client:
        assert client.get("/things/2026-000001?q=x").text == "2026-000001 x"
    parameters = app.openapi()["paths"]["/things/{ref}"]["get"]["parameters"]
    assert [(p["name"], p["in"]) for p in parameters] == [("ref", "path")]


async def needed() -> str:
    return "x"


def test_an_endpoint_with_a_dependency_is_refused() -> None:
    router = APIRouter()
    with pytest.raises(TypeError, match="DirectRoute"):

        @direct_get(router, "/a")
        async def a(request: Request, value: Annotated[str, Depends(needed)]) -> Response:
            return Response(value)


def test_a_router_dependency_is_refused_too() -> None:
    router = APIRouter(dependencies=[Depends(needed)])
    with pytest.raises(TypeError, match="DirectRoute"):

        @direct_get(router, "/a")
        async def a(request: Request) -> Response:
            return Response()


def test_an_inclusion_with_a_dependency_is_refused() -> None:
    router = APIRouter()

    @direct_get(router, "/a")
    async def a(request: Request) -> Response:
        return Response()

    app = FastAPI()
    app.include_router(router, dependencies=[Depends(needed)])
    # FastAPI builds an included route's handler when the app first routes a request (or
    # writes its OpenAPI): refused there, before any request is answered without it.
    with TestClient(app) as client, pytest.raises(TypeError, match="DirectRoute"):
        client.get("/a")


def test_query_parameters_and_typed_path_parameters_are_refused() -> None:
    router = APIRouter()
    with pytest.raises(TypeError, match="DirectRoute"):

        @direct_get(router, "/q")
        async def q(request: Request, page: int = 1) -> Response:
            return Response()

    with pytest.raises(TypeError, match="must be a str"):

        @direct_get(router, "/n/{number}")
        async def n(number: int, request: Request) -> Response:
            return Response()
