"""Reading a query-parameter model (``TicketQuery``) from the query string without FastAPI's
per-request walk of the model: declared as ``Annotated[Model, Query()]``, FastAPI inspects each
field's annotation on every request (26 fields for a ticket list: 60 % of the gateway's CPU for
a page, cProfile, issue 8). Here the fields that repeat (``?status=new&status=open``) are found
once per model, and the model validates the values as FastAPI would have handed them over: a
list for those fields, the last value for the others, and the parameters it does not declare
refused when the model forbids extras; a refusal is FastAPI's 422 with each error located under
``query``."""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any, TypeVar, get_origin

from fastapi import FastAPI, Query
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.datastructures import QueryParams

Model = TypeVar("Model", bound=BaseModel)


@cache
def _fields(model: type[BaseModel]) -> tuple[tuple[str, str, bool], ...]:
    """(field name, parameter name, repeats) per field."""
    return tuple(
        (name, field.alias or name, get_origin(field.annotation) is list)
        for name, field in model.model_fields.items()
    )


@cache
def _aliases(model: type[BaseModel]) -> frozenset[str]:
    return frozenset(alias for _, alias, _ in _fields(model))


def parse(model: type[Model], params: QueryParams) -> Model:
    data: dict[str, object] = {}
    fields = _fields(model)
    for name, alias, repeats in fields:
        if alias in params:
            data[name] = params.getlist(alias) if repeats else params[alias]
    if model.model_config.get("extra") == "forbid":  # refused by the model, as by FastAPI
        known = _aliases(model)
        data.update((key, params[key]) for key in params if key not in known)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        raise RequestValidationError(
            [{**error, "loc": ("query", *error["loc"])} for error in errors]
        ) from exc


def documented(model: type[BaseModel]) -> dict[str, Any]:
    """The OpenAPI of a GET taking ``model`` as ``Annotated[model, Query()]`` (its parameters
    and its 422), as FastAPI writes it, for a route that reads the model with ``parse``: pass
    it as the route's ``openapi_extra``."""

    async def declared(query: Any) -> None:
        del query

    # Set here, not written: postponed annotations would name ``model`` as a string.
    declared.__annotations__ = {"query": Annotated[model, Query()], "return": None}
    app = FastAPI()
    app.get("/")(declared)
    operation = app.openapi()["paths"]["/"]["get"]
    return {
        "parameters": operation["parameters"],
        "responses": {"422": operation["responses"]["422"]},
    }
