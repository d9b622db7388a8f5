"""Settings every service shares; each service subclasses with its own ``env_prefix``."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """Shared knobs, read from unprefixed environment variables (``RABBITMQ_URL``,
    ``MONGODB_URL``, ``SOCIALDESK_ENV``, ``SOCIALDESK_DATA_DIR``) so one environment can run all
    services; a service's own knobs carry its prefix (``TICKETING_...``)."""

    model_config = SettingsConfigDict(extra="ignore")

    env: str = Field(default="development", validation_alias="SOCIALDESK_ENV")
    rabbitmq_url: str = Field(
        default="amqp://guest:guest@127.0.0.1:5672/", validation_alias="RABBITMQ_URL"
    )
    # quorum on a RabbitMQ cluster (see servicekit.topology.RetryQueueType); the same value in
    # every service, since they share the retry queues.
    rabbitmq_retry_queue_type: Literal["classic", "quorum"] = Field(
        default="classic", validation_alias="RABBITMQ_RETRY_QUEUE_TYPE"
    )
    mongodb_url: str | None = Field(default=None, validation_alias="MONGODB_URL")
    data_dir: Path = Field(default=Path("var"), validation_alias="SOCIALDESK_DATA_DIR")
    log_level: str = Field(default="INFO", validation_alias="SOCIALDESK_LOG_LEVEL")
    log_format: Literal["text", "json"] = Field(
        default="text", validation_alias="SOCIALDESK_LOG_FORMAT"
    )
    prefetch: int = Field(default=100, ge=1, le=10_000, validation_alias="SOCIALDESK_PREFETCH")

    @property
    def production(self) -> bool:
        return self.env == "production"

    def sqlite_path(self, service: str) -> Path:
        return self.data_dir / f"{service}.sqlite3"


def refuse_development_secret(
    settings: ServiceSettings, name: str, value: str, default: str
) -> None:
    """Development defaults are documented so `make run` needs no set-up; a production
    deployment that forgot to set the real secret must not start."""
    if settings.production and value == default:
        raise ValueError(f"{name} must be set to a real secret when SOCIALDESK_ENV=production")
