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

    # Limits on every door (docs/operations.md, "Limits"). Per gateway process: N processes
    # admit N times as much, which is what a limit against abuse needs, not a quota.
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    """Any request body; counted as it arrives, before authentication reads anything."""
    max_attachment_body_bytes: int = Field(default=16 * 1024 * 1024, ge=1024)
    """The two requests that carry attachments (share a ticket, answer an opinion): 10 MiB of
    files in base64 is 13.4 MiB."""
    max_json_depth: int = Field(default=64, ge=2, le=1_000)
    max_streams_per_caller: int = Field(default=5, ge=1)
    """Live /v1/events streams one token (or the admin token) may hold open at once."""
    auth_failures_per_minute: int = Field(default=20, ge=1)
    """Failed authentications one client address may make in a minute; past it every request
    from it is answered 429 until the minute has passed (guessing tokens stops there)."""
    opinion_requests_per_minute: int = Field(default=60, ge=1)
    """Requests to the public opinion links (no login) one client address may make a minute."""

    # The console (issue 14): its sessions, password links and sign-in attempts.
    session_ttl_minutes: float = Field(default=12 * 60, gt=0, le=60 * 24 * 30)
    """How long a console session lasts from sign-in; signing out ends it sooner."""
    password_link_ttl_minutes: int = Field(default=48 * 60, ge=5, le=60 * 24 * 14)
    """How long an invitation's or a reset's link works (once)."""
    sign_in_failures_per_minute: int = Field(default=5, ge=1)
    """Failed sign-ins against one e-mail address in a minute; past it the sign-in page
    refuses every attempt for it (the right password too) until the minute has passed, so
    guessing a password stops at a few per minute."""
    sign_in_failures_per_address_per_minute: int = Field(default=30, ge=1)
    """Failed sign-ins from one client address in a minute, whatever e-mail addresses they
    name (trying one password on many agents); an office behind one address shares it."""
    password_resets_per_minute: int = Field(default=5, ge=1)
    """Password resets one client address may ask for in a minute (each one mails a link)."""
