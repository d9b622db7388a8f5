from __future__ import annotations

from pydantic import BaseModel, Field


class IngestResponse(BaseModel):
    accepted: int = Field(description="Interactions never seen before, now published.")
    duplicates: int = Field(description="Repeated (channel, external_id): nothing was published.")
