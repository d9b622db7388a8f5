from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol
from uuid import UUID

from contracts.events import DigestItem
from contracts.interaction import Interaction
from contracts.rules import RuleChange, RuleDefinition, RuleRead


def instant(moment: datetime) -> str:
    """A UTC timestamp as fixed-width text, so text order is time order in both stores."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class LoggedInteraction:
    """An interaction the service triaged, kept for backtests."""

    interaction: Interaction
    received_at: datetime

    def body(self) -> str:
        """The interaction as kept: everything rules look at, without the network's raw
        payload, which no condition reads and which can be many times the rest."""
        return self.interaction.model_dump_json(exclude={"raw"})

    @property
    def cursor(self) -> tuple[str, str]:
        """Where a page of the log ends: (occurred_at, key)."""
        return instant(self.interaction.occurred_at), self.interaction.key


@dataclass(frozen=True)
class DigestWindow:
    """One digest rule's window, with the rule's name and addresses as of its latest item."""

    rule_id: UUID
    rule_name: str
    emails: tuple[str, ...]
    start: datetime
    end: datetime


@dataclass(frozen=True)
class DigestEntry:
    """An interaction a digest rule matched, to be listed in the rule's window."""

    window: DigestWindow
    item: DigestItem


class RuleStore(Protocol):
    """Rules in creation order (oldest first). ``revision`` grows with every change so
    replicas can tell cheaply whether their compiled rules are stale. Every change appends an
    entry to the rule's audit trail in the same write (who, when, before/after); the trail
    outlives the rule."""

    backend: str

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def ping(self) -> None:
        """Raise when the database cannot be reached (the health checks call it)."""
        ...

    async def revision(self) -> int: ...

    async def list_rules(self) -> list[RuleRead]: ...

    async def get_rule(self, rule_id: UUID) -> RuleRead | None: ...

    async def create_rule(
        self, definition: RuleDefinition, *, actor: str = "system"
    ) -> RuleRead: ...

    async def replace_rule(
        self, rule_id: UUID, definition: RuleDefinition, *, actor: str = "system"
    ) -> RuleRead | None: ...

    async def delete_rule(self, rule_id: UUID, *, actor: str = "system") -> bool: ...

    async def history(self, rule_id: UUID) -> list[RuleChange]:
        """The rule's changes, oldest first; empty for a rule that never existed."""
        ...

    async def log_interaction(
        self, entry: LoggedInteraction, digests: Sequence[DigestEntry] = ()
    ) -> None:
        """Keep a triaged interaction, and add it to the digest windows of the digest rules it
        matched, in one write. Logging one twice (a redelivery) keeps it once. An interaction
        no digest took may be written a moment after this returns (on SQLite, with the next
        ones in one transaction): a crash in that moment loses it from the backtests' sample
        only; ``logged_between`` in this process reads it."""
        ...

    async def logged_between(
        self, since: datetime, until: datetime, *, after: tuple[str, str] | None, limit: int
    ) -> list[LoggedInteraction]:
        """Logged interactions with ``since <= occurred_at < until``, in (occurred_at, key)
        order, starting after the ``cursor`` of the previous page's last one."""
        ...

    async def prune_log(self, received_before: datetime) -> int:
        """Forget interactions received before the retention limit, and digest windows sent
        that ended before it; how many interactions were removed."""
        ...

    async def claim_closed_windows(
        self, closed_by: datetime, *, now: datetime, lease_seconds: float
    ) -> list[DigestWindow]:
        """Atomically take the unsent windows that ended by ``closed_by`` and that nobody holds
        (or whose holder's lease ran out), for ``lease_seconds``: of several replicas calling
        at once, each window goes to one."""
        ...

    async def digest_items(
        self, rule_id: UUID, start: datetime, *, limit: int
    ) -> tuple[list[DigestItem], int]:
        """A window's first items in time order, and how many it holds."""
        ...

    async def mark_digest_sent(self, rule_id: UUID, start: datetime, *, at: datetime) -> None:
        """The window's digest was published: it is never claimed again."""
        ...

    async def author_groups(self, identity: str) -> list[str]:
        """The groups of the person holding ``channel:author id``, as last announced."""
        ...

    async def keep_author_groups(self, identity: str, groups: list[str], *, at: datetime) -> None:
        """Remember the identity's groups as announced at ``at``; an older announcement
        arriving late changes nothing (events of one identity may come out of order)."""
        ...
