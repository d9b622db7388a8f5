from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from servicekit.settings import Secret, ServiceSettings


class GatewaySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    admin_token: Secret = Field(validation_alias="SOCIALDESK_ADMIN_TOKEN")
    rpc_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    jwt_secret: Secret = Field(validation_alias="SOCIALDESK_JWT_SECRET")
    token_ttl_minutes: float = Field(default=12 * 60, gt=0, le=60 * 24 * 90)
