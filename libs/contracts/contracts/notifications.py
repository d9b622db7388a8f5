"""What each user wants to be e-mailed about, and in which language (F32). The notifier owns
these settings; the gateway reads and writes them for the caller over request/reply."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from contracts.base import Contract

Language = Literal["pt-BR", "en"]
AlertKind = Literal[
    "rule_alert", "assigned", "escalated", "opinion_received", "digest", "sla_warning"
]
ALERT_KINDS: tuple[AlertKind, ...] = (
    "rule_alert",
    "assigned",
    "escalated",
    "opinion_received",
    "digest",
    "sla_warning",
)


class AlertChoices(BaseModel):
    """Every kind is wanted unless switched off."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rule_alert: bool = True
    assigned: bool = True
    escalated: bool = True
    opinion_received: bool = True
    digest: bool = True
    sla_warning: bool = True

    def wants(self, kind: str) -> bool:
        return bool(getattr(self, kind, True))


class NotificationSettingsUpdate(BaseModel):
    """``PUT /v1/me/notification-settings``: absent fields keep their defaults."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    language: Language | None = None
    alerts: AlertChoices = AlertChoices()


class NotificationSettings(Contract):
    user_id: str
    language: Language
    alerts: AlertChoices
