from __future__ import annotations

from typing import Protocol
from uuid import UUID

from contracts.rules import RuleDefinition, RuleRead


class RuleStore(Protocol):
    """Rules in evaluation order (oldest first). ``revision`` grows with every change so
    replicas can tell cheaply whether their compiled rules are stale."""

    backend: str

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def revision(self) -> int: ...

    async def list_rules(self) -> list[RuleRead]: ...

    async def get_rule(self, rule_id: UUID) -> RuleRead | None: ...

    async def create_rule(self, definition: RuleDefinition) -> RuleRead: ...

    async def replace_rule(self, rule_id: UUID, definition: RuleDefinition) -> RuleRead | None: ...

    async def delete_rule(self, rule_id: UUID) -> bool: ...
