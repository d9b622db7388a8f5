from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings


class RulesSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="RULES_", extra="ignore")

    refresh_seconds: float = Field(
        default=0.5,
        gt=0,
        le=60,
        description="How often a replica checks whether rules changed (changes reach every "
        "replica within this time).",
    )
    calendars_refresh_seconds: float = Field(
        default=10.0,
        gt=0,
        le=3_600,
        description="How often a replica asks ticketing for the business calendars that "
        "business_hours conditions name (a changed calendar applies within this time).",
    )
    log_days: int = Field(
        default=90,
        ge=1,
        le=3_650,
        description="How long the interactions the service triaged are kept for backtests.",
    )
    digest_check_seconds: float = Field(
        default=30.0,
        gt=0,
        le=3_600,
        description="How often a replica looks for digest windows that closed.",
    )
    digest_test_window_seconds: int | None = Field(
        default=None,
        ge=1,
        le=3_600,
        description="For tests only: the length of the 'test_window' digest unit, so a test "
        "sees windows close in seconds. Unset (the default), rules cannot use that unit.",
    )
    ticketing_timeout_seconds: float = Field(
        default=5.0,
        gt=0,
        le=60,
        description="How long saving a rule that names a priority or a level waits for "
        "ticketing to say which exist (503 after that).",
    )
    clock_offset_file: Path | None = Field(
        default=None,
        description="Development and tests only (refused in production): a file holding a "
        "number of seconds added to the system time when an interaction is received, its "
        "digest windows close and the log is pruned; the tests give it ticketing's file, so "
        "business hours pass at once for both services.",
    )

    def model_post_init(self, context: object) -> None:
        if self.production and self.clock_offset_file is not None:
            raise ValueError(
                "RULES_CLOCK_OFFSET_FILE moves the rules service's clock for tests: "
                "production runs on the system time (unset it)"
            )
