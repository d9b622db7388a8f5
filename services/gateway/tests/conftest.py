"""The gateway has no default secrets: its unit tests start it with their own."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def gateway_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOCIALDESK_ADMIN_TOKEN", "unit-test-admin-token-0123456789abcdef")
    monkeypatch.setenv("SOCIALDESK_JWT_SECRET", "unit-test-jwt-secret-0123456789abcdef")
