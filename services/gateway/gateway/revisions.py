"""Revisions of the records administrators edit whole (levels, calendars, agents, teams): a
read answers the record's revision (its ``revision`` field and ``ETag``), and a replacement
sent with ``If-Match`` or with the ``revision`` it read is refused with 409 (code
``stale_revision``) when someone else saved the record in between, instead of silently undoing
their change. Without either a replacement writes over whatever is there, as it always did."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import Header, HTTPException, Response
from pydantic import BaseModel

Create = TypeVar("Create", bound=BaseModel)

IfMatch = Annotated[
    str | None,
    Header(
        description='The record\'s revision as its GET answered it in `ETag` (e.g. `"3"`): '
        "the replacement is refused with 409 if the record has changed since. `*` or no "
        "header: replace whatever is there."
    ),
]

STALE = {
    409: {
        "description": "`If-Match` names a revision the record has moved past: someone else "
        "saved it since it was read (read it again, then make the change there)"
    }
}


def expected(if_match: str | None, revision: int | None) -> int | None:
    """The revision the replacement was read at: the one ``If-Match`` names (``"3"``,
    ``W/"3"``, ``3``; ``*`` names none), else the body's ``revision``. Several tags, a tag that
    is not a revision, or a header and a body that disagree are refused: the write could only
    be a guess."""
    if if_match is None or if_match.strip() == "*":
        return revision
    tag = if_match.strip().removeprefix("W/").strip('"')
    if not tag.isdigit():
        raise HTTPException(
            409, f"If-Match {if_match!r} names no revision of this record (send its ETag)"
        )
    if revision is not None and revision != int(tag):
        raise HTTPException(
            409, f"If-Match names revision {tag} and the body revision {revision}: send one"
        )
    return int(tag)


def record(update: BaseModel, create: type[Create]) -> Create:
    """The record a replacement writes: the update without its ``revision``."""
    return create.model_validate(update.model_dump(exclude={"revision"}))


def tagged(response: Response, found: Any) -> Any:
    """``found`` (a record as a service answered it) with its revision as the ETag."""
    if isinstance(found, dict) and isinstance(found.get("revision"), int):
        response.headers["ETag"] = f'"{found["revision"]}"'
    return found
