"""The directory part of the ticketing store: agents, teams and levels, each a small JSON
document under its kind and key. The adapters add these methods to their ticket stores, so
assignment reads agents and ticket loads in the same database as the tickets."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal, NamedTuple, Protocol

Kind = Literal[
    "agent",
    "team",
    "level",
    "author",
    "calendar",
    "group",
    "setting",
    "credential",
    "link",
    "session",
    "view",
    "approval",
    "canned",
    "canned_shortcut",
]
"""``author`` entries kept the groups an author was put in before people existed (key:
channel:author id; read still, written no more); ``calendar`` entries are the business
calendars levels name; ``group`` entries the groups people are put in (F30); ``setting``
entries the desk's settings changed at run time (``unification``); ``credential`` entries an
agent's password hash and the digest of their newest link (key: agent id); ``link`` entries
the links that set a password, and ``session`` entries the console's sessions (key: the
SHA-256 of the link's or the cookie's secret); ``view`` entries the saved views of the
ticket list (key: the view's id); ``approval`` entries the replies held for approval or
rejected (key: the reply's id; the reply interaction and its history stay the truth, the entry
is what the approvers' list reads); ``canned`` entries the canned responses (key: their id) and
``canned_shortcut`` entries their shortcuts (key: scope, scope key and shortcut), created
first so a shortcut is unique in its scope whatever writes at the same time."""


class Entry(NamedTuple):
    """An entry with its revision: 1 when created, one more on every replacement (0 for an
    entry stored before revisions were kept, until its next replacement). An administrator's
    form carries the revision it was read at, so a save over someone else's is refused
    rather than silently undoing it."""

    body: dict[str, Any]
    revision: int


class LevelDeletion(NamedTuple):
    """What ``DirectoryStore.delete_level`` did: ``deleted``; ``missing`` (no such level);
    ``agents`` (kept: the ``agents`` named still have it among their levels); ``open`` (kept:
    ``open_tickets`` tickets still need work on it); ``busy`` (kept: a ticket or an agent is
    being put on it, or another deletion of it is under way, right now)."""

    outcome: Literal["deleted", "missing", "agents", "open", "busy"]
    open_tickets: int = 0
    agents: tuple[str, ...] = ()


PIN_SECONDS = 30.0
"""How long a pin (``DirectoryStore.pin_level``) or a deletion's mark holds at most: a crashed
holder blocks deletes of, or routing to, the level for that long. A ticket write that takes
longer than this is no longer protected, far beyond any write's time."""

Gets = Sequence[tuple[Kind, str]]
"""Entries asked for by kind and key."""
Entries = tuple[list[dict[str, Any] | None], dict[Kind, dict[str, Entry]]]
"""``DirectoryStore.read_directory``'s answer: each entry asked for (None when there is
none), and every entry of each kind asked for, with its revision, by its key."""


class DirectoryStore(Protocol):
    async def create_entry(self, kind: Kind, key: str, body: dict[str, Any]) -> bool:
        """Store a new entry at revision 1; False (and nothing written) when the key is taken."""
        ...

    async def replace_entry(
        self, kind: Kind, key: str, body: dict[str, Any], *, expected_revision: int | None = None
    ) -> int | None:
        """The entry's new revision; None (and nothing written) when there is no such entry
        or, given ``expected_revision``, when the entry is no longer at it. The comparison and
        the write are one atomic step."""
        ...

    async def get_entry(self, kind: Kind, key: str) -> dict[str, Any] | None: ...

    async def read_entry(self, kind: Kind, key: str) -> Entry | None:
        """The entry with its revision."""
        ...

    async def read_entries(self, kind: Kind) -> list[Entry]:
        """Every entry of the kind with its revision, ordered by key."""
        ...

    async def list_entries(self, kind: Kind) -> list[dict[str, Any]]:
        """Every entry of the kind, ordered by key."""
        ...

    async def delete_entry(self, kind: Kind, key: str) -> bool: ...

    async def read_directory(self, gets: Gets, kinds: Sequence[Kind]) -> Entries:
        """Several reads at once, as one read of the store: each ``gets`` entry (None when
        there is none), and every entry of each of ``kinds`` by its key, ordered by key."""
        ...

    async def open_ticket_counts(self, agents: Sequence[str]) -> dict[str, int]:
        """How many tickets that still need work (neither resolved nor closed) each agent
        holds; every agent asked about is in the answer."""
        ...

    async def delete_level(self, level: str) -> LevelDeletion:
        """Delete the level unless an agent has it among their levels, or a ticket that still
        needs work is on it (or a ticket or an agent is being put on it), as one step no
        ticket or agent write can slip into: afterwards either the level is kept or no agent
        and no open ticket names it."""
        ...

    async def pin_level(self, level: str) -> str | None:
        """Hold the level while a ticket (or an agent) is put on it: a pin's token, or None
        (nothing held) when there is no such level or it is being deleted. ``delete_level``
        refuses a pinned level, so the ticket or agent written before ``unpin_level`` is
        counted by any deletion."""
        ...

    async def unpin_level(self, level: str, pin: str) -> None: ...

    async def touch_sla(self, levels: list[str], at: datetime) -> int:
        """Make every unclosed ticket of ``levels`` due for an SLA reading at ``at`` (its
        version moves): their level's calendar or policy changed. How many."""
        ...
