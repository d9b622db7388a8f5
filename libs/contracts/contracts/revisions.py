"""A directory record's revision (levels, calendars, agents, teams): what a read shows, and
what a replacement (``PUT``) may send back so a save over someone else's newer one is refused
(409, code ``stale_revision``) rather than silently undoing it."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

ShownRevision = Annotated[
    int,
    Field(
        description="Moves on every change; send it back (`If-Match` or `expected_revision`) "
        "so a save over someone else's newer one is refused with 409."
    ),
]

SentRevision = Annotated[
    int | None,
    Field(
        ge=0,
        description="The revision the record was read at: the replacement is refused with "
        "409 if it has changed since. Left out: replace whatever is there.",
    ),
]
