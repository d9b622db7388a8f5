from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings
from ticketing.domain.priority import DEFAULT_SCALE, PriorityScale


class TicketingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TICKETING_", extra="ignore")

    priorities: tuple[str, ...] = Field(
        default=DEFAULT_SCALE, description="Comma-separated, highest first."
    )
    default_priority: str = "medium"

    @field_validator("priorities", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(p.strip() for p in value.split(",") if p.strip())
        return value

    @property
    def priority_scale(self) -> PriorityScale:
        return PriorityScale(self.priorities, self.default_priority)
