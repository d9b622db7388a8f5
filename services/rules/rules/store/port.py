from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol
from uuid import UUID

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

    @property
    def cursor(self) -> tuple[str, str]:
        """Where a page of the log ends: (occurred_at, key)."""
        return instant(self.interaction.occurred_at), self.interaction.key


class RuleStore(Protocol):
    """Rules in creation order (oldest first). ``revision`` grows with every change so
    replicas can tell cheaply whether their compiled rules are stale. Every change appends an
    entry to the rule's audit trail in the same write (who, when, before/after); the trail
    outlives the rule."""

    backend: str

    async def open(self) -> None: ...

    async def close(self) -> None: ...

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

    async def log_interaction(self, entry: LoggedInteraction) -> None:
        """Keep a triaged interaction; logging one twice (a redelivery) keeps it once."""
        ...

    async def logged_between(
        self, since: datetime, until: datetime, *, after: tuple[str, str] | None, limit: int
    ) -> list[LoggedInteraction]:
        """Logged interactions with ``since <= occurred_at < until``, in (occurred_at, key)
        order, starting after the ``cursor`` of the previous page's last one."""
        ...

    async def prune_log(self, received_before: datetime) -> int:
        """Forget interactions received before the retention limit; how many were removed."""
        ...
