"""The envelope every message body shares."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar
from uuid import UUID, uuid4

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


def utcnow() -> datetime:
    return datetime.now(UTC)


class Contract(BaseModel):
    """A value carried inside messages. Readers are tolerant: unknown fields are ignored so a
    producer can add optional fields without breaking older consumers."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class Event(Contract):
    """A past-tense fact published on the events exchange.

    Subclasses set ``routing_key`` (which ends in the schema version, e.g. ``.v1``) and ``v``.
    A breaking change is a new class (``...V2``) with a new routing key, published side by side
    with the old one while consumers migrate.
    """

    routing_key: ClassVar[str]

    v: int
    id: UUID = Field(default_factory=uuid4)
    occurred_at: AwareDatetime = Field(default_factory=utcnow)
    correlation_id: UUID | None = None

    def caused(self, **fields: Any) -> dict[str, Any]:
        """Fields for an event caused by this one: same correlation id (or this id)."""
        return {"correlation_id": self.correlation_id or self.id, **fields}
