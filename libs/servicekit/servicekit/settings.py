"""Settings every service shares; each service subclasses with its own ``env_prefix``."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

SECRET_MIN_LENGTH = 32
"""Shortest signing secret, admin token or key a service starts with: 32 random characters
cannot be guessed, and a short hand-typed word (``admin``) is refused at start."""

Secret = Annotated[str, Field(min_length=SECRET_MIN_LENGTH, repr=False)]
"""A secret that signs or authenticates. It has no default on purpose: a default is published
in the repository, so anyone could forge tokens on an instance that kept it. ``make run``
generates random ones under ``var/`` (devtools/secretfile.py)."""


class Environment(StrEnum):
    """The only names ``SOCIALDESK_ENV`` takes; anything else (``Production``, ``prod``) stops
    the service at start instead of silently running as something it is not."""

    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class ServiceSettings(BaseSettings):
    """Shared knobs, read from unprefixed environment variables (``RABBITMQ_URL``,
    ``MONGODB_URL``, ``SOCIALDESK_ENV``, ``SOCIALDESK_DATA_DIR``) so one environment can run all
    services; a service's own knobs carry its prefix (``TICKETING_...``)."""

    # A refused value (a secret too short) must not be printed in the start-up error.
    model_config = SettingsConfigDict(extra="ignore", hide_input_in_errors=True)

    env: Environment = Field(default=Environment.DEVELOPMENT, validation_alias="SOCIALDESK_ENV")
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
        return self.env is Environment.PRODUCTION

    def sqlite_path(self, service: str) -> Path:
        return self.data_dir / f"{service}.sqlite3"
