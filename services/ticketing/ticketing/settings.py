from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings
from ticketing.domain.priority import DEFAULT_SCALE, PriorityScale


class TicketingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TICKETING_", extra="ignore")

    priorities: str = Field(
        default=",".join(DEFAULT_SCALE), description="Comma-separated, highest first."
    )
    default_priority: str = "medium"
    auto_close_every_seconds: float = Field(
        default=30.0, gt=0, description="How often idle tickets are looked for (F18)."
    )
    master_email: str = Field(
        default="master@socialdesk.local",
        description="Who hears about an opinion on a ticket nobody is assigned to.",
    )
    auto_reply_cooldown_hours: float = Field(
        default=24.0,
        gt=0,
        description="TICKETING_AUTO_REPLY_COOLDOWN_HOURS: at most one automatic reply per "
        "conversation within this many hours, so two systems can never answer each other.",
    )

    sla_scan_every_seconds: float = Field(
        default=5.0, gt=0, description="How often tickets whose SLA band changes are looked for."
    )
    clock_offset_file: Path | None = Field(
        default=None,
        description="Development and tests only (refused in production): a file holding a "
        "number of seconds that ticketing's SLA clocks add to the system time, so a test makes "
        "business hours pass at once on every replica.",
    )

    @property
    def priority_scale(self) -> PriorityScale:
        levels = tuple(p.strip() for p in self.priorities.split(",") if p.strip())
        return PriorityScale(levels, self.default_priority)

    def model_post_init(self, context: object) -> None:
        self.priority_scale  # noqa: B018  (an invalid scale must stop the service at start)
        if self.production and self.clock_offset_file is not None:
            raise ValueError(
                "TICKETING_CLOCK_OFFSET_FILE moves ticketing's clock for tests: production "
                "runs on the system time (unset it)"
            )
