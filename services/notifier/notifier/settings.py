from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from servicekit.settings import Secret, ServiceSettings


class NotifierSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFIER_", extra="ignore")

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)
    smtp_connections: int = Field(
        default=8,
        ge=1,
        le=100,
        description="SMTP connections a notifier process opens at once at most.",
    )
    mail_from: str = "Socialdesk <alerts@socialdesk.local>"
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Where agents reach the gateway; used for links in e-mails.",
    )
    default_language: Literal["pt-BR", "en"] = Field(
        default="pt-BR",
        description="For recipients who are not users, or users who chose no language.",
    )
    link_secret: Secret = Field(
        description="Signs opinion links; whoever has it can mint links to any ticket.",
    )
    mail_lease_seconds: float = Field(
        default=15.0,
        gt=0,
        description="How long a claim on a mail lasts unless renewed while it is sent: a "
        "claim left by a crashed notifier is taken over after this.",
    )
    mail_wait_seconds: float = Field(
        default=20.0,
        ge=0,
        description="How long a delivery waits on a mail another notifier holds before the "
        "event is retried later; longer than the lease, so a crashed owner's mails are taken "
        "over within one delivery.",
    )
    admin_emails: str = Field(
        default="",
        description="Comma-separated addresses of the deployment's administrators: they are "
        "mailed when a network account turns failing or throttled, and when it recovers. "
        "Empty: nobody is (the health still shows on GET /v1/accounts).",
    )
    opinion_ttl_hours: float = Field(default=72.0, gt=0, le=24 * 90)

    def admin_addresses(self) -> list[str]:
        return [a.strip() for a in self.admin_emails.split(",") if a.strip()]
