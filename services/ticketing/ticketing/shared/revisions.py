"""The refusal of a replacement that named a revision its record has moved past (the store
compared and refused in one step): why, told apart from a record that is gone."""

from __future__ import annotations

from typing import NoReturn

from servicekit import rpc
from ticketing.store.directory import DirectoryStore, Kind


async def refuse_unsaved(
    store: DirectoryStore, kind: Kind, key: str, what: str, expected_revision: int | None
) -> NoReturn:
    """``what``: the record as the refusal names it ("the level 'N1'")."""
    found = await store.read_entry(kind, key)
    if found is None or expected_revision is None:
        raise rpc.NotFound(f"there is no {what.removeprefix('the ')}")
    raise rpc.Stale(
        f"{what} was changed by someone else since it was read (revision "
        f"{expected_revision}, now {found.revision}): read it again and make the change there"
    )
