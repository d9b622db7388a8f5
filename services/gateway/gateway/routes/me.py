"""The caller's own preferences."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from contracts.notifications import NotificationSettings, NotificationSettingsUpdate
from contracts.rpc_notifier import NotificationSettingsGetParams, NotifierMethod
from contracts.topology import NOTIFIER_RPC
from gateway.access import ActiveCaller
from gateway.deps import ServicesDep

router = APIRouter(prefix="/v1/me", tags=["me"])


@router.get("/notification-settings", response_model=NotificationSettings)
async def get_notification_settings(caller: ActiveCaller, services: ServicesDep) -> Any:
    """Which e-mails you get (every kind until you switch it off) and their language."""
    return await services.call(
        NOTIFIER_RPC, NotifierMethod.GET_SETTINGS, NotificationSettingsGetParams(), caller
    )


@router.put("/notification-settings", response_model=NotificationSettings)
async def put_notification_settings(
    update: NotificationSettingsUpdate, caller: ActiveCaller, services: ServicesDep
) -> Any:
    """Replace your settings: `language` (`pt-BR` or `en`; absent: the deployment's default)
    and `alerts` (`rule_alert`, `assigned`, `escalated`, `opinion_received`, `digest`: true
    or false; absent kinds stay on)."""
    return await services.call(NOTIFIER_RPC, NotifierMethod.PUT_SETTINGS, update, caller)
