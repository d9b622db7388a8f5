from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings, refuse_development_secret

DEVELOPMENT_INGEST_KEY = "dev-ingest-key"


class IngestorSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INGESTOR_", extra="ignore")

    ingest_key: str = Field(
        default=DEVELOPMENT_INGEST_KEY, validation_alias="SOCIALDESK_INGEST_KEY"
    )
    max_batch: int = Field(default=1000, ge=1, le=10_000)
    max_body_bytes: int = Field(default=32 * 1024 * 1024, ge=1024)

    def model_post_init(self, context: object) -> None:
        refuse_development_secret(
            self, "SOCIALDESK_INGEST_KEY", self.ingest_key, DEVELOPMENT_INGEST_KEY
        )
