from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings, refuse_development_secret

DEVELOPMENT_ADMIN_TOKEN = "dev-admin-token"
DEVELOPMENT_JWT_SECRET = "dev-jwt-secret-change-me-in-production"


class GatewaySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    admin_token: str = Field(
        default=DEVELOPMENT_ADMIN_TOKEN, validation_alias="SOCIALDESK_ADMIN_TOKEN"
    )
    rpc_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    jwt_secret: str = Field(
        default=DEVELOPMENT_JWT_SECRET, min_length=32, validation_alias="SOCIALDESK_JWT_SECRET"
    )
    token_ttl_minutes: float = Field(default=12 * 60, gt=0, le=60 * 24 * 90)

    def model_post_init(self, context: object) -> None:
        refuse_development_secret(
            self, "SOCIALDESK_ADMIN_TOKEN", self.admin_token, DEVELOPMENT_ADMIN_TOKEN
        )
        refuse_development_secret(
            self, "SOCIALDESK_JWT_SECRET", self.jwt_secret, DEVELOPMENT_JWT_SECRET
        )
