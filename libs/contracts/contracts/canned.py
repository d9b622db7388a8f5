"""Canned responses (docs/domain.md F20): texts agents answer with, picked by a shortcut
(``/thanks``), with placeholders filled at sending. Each has a scope that decides who sees
and changes it: ``global`` (everyone sees, admins write), ``level`` and ``team`` (their
agents), ``personal`` (its owner alone)."""

from __future__ import annotations

import re
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from contracts.base import Contract

PLACEHOLDERS: dict[str, str] = {
    "customer_name": "The name of the customer the reply answers.",
    "protocol": "The ticket's protocol number.",
    "agent_name": "The name of the agent who sends the reply.",
    "level": "The ticket's level.",
}
"""Every placeholder a canned response may use, written ``{{ name }}``. Any other name, or a
``{{``/``{%`` that is not one of these, is refused when the response is saved."""

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
Scope = Literal["global", "level", "team", "personal"]
Shortcut = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9_-]*$"
    ),
]


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CannedCreate(_Closed):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "shortcut": "thanks",
                    "title": "Thank the customer",
                    "text": "Olá {{ customer_name }}, obrigado! Protocolo {{ protocol }}.",
                    "scope": "level",
                    "scope_key": "N1",
                }
            ]
        },
    )

    shortcut: Shortcut = Field(description="Typed as /<shortcut>; unique within its scope.")
    title: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=8_000)]
    scope: Scope = "personal"
    scope_key: Annotated[str, StringConstraints(max_length=64)] | None = Field(
        default=None,
        description="The level or team of a level or team response; ignored (the owner) for "
        "personal ones, and none for global ones.",
    )


class CannedUpdate(CannedCreate):
    """A replacement (``PUT``), with the ``revision`` it was read at if the caller has it."""

    revision: int | None = Field(
        default=None,
        ge=0,
        description="The revision the canned response was read at: the replacement is "
        "refused with 409 if it has changed since. Left out: replace whatever is there.",
    )


class CannedRead(Contract):
    id: UUID
    shortcut: str
    title: str
    text: str
    scope: Scope
    scope_key: str | None = Field(description="The level, team or owner (agent id).")
    placeholders: list[str] = Field(description="The placeholders the text uses.")
    created_by: str
    updated_at: AwareDatetime
    revision: int = Field(
        default=0,
        description="Moves on every change; send it back (`If-Match` or `revision`) so a "
        "save over someone else's newer one is refused with 409.",
    )


class CannedQuery(_Closed):
    q: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = Field(
        default=None, description="Part of the text, title or shortcut, ignoring case."
    )
    shortcut: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = (
        Field(default=None, description="Shortcuts starting with this (a leading / is ignored).")
    )
    scope: Scope | None = None
    limit: Annotated[int, Field(ge=1, le=500)] = 100
