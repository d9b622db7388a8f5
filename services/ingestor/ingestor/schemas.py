from __future__ import annotations

from pydantic import BaseModel, Field


class IngestResponse(BaseModel):
    accepted: int = Field(description="Interactions never seen before, now published.")
    duplicates: int = Field(
        description="Repeated (channel, external_id) whose interaction RabbitMQ already "
        "confirmed: nothing was published again."
    )
    pending: int = Field(
        0,
        description="Repeated (channel, external_id) accepted earlier but not yet confirmed by "
        "RabbitMQ (kept in the ingestor's outbox, e.g. since a broker outage): they will be "
        "published without a further retry.",
    )
