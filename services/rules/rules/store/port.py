from __future__ import annotations

from typing import Protocol
from uuid import UUID

from contracts.rules import RuleChange, RuleDefinition, RuleRead


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
