from __future__ import annotations

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
