"""The gateway starts only with real secrets and a known environment name."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from gateway.settings import GatewaySettings

LONG = "x" * 32


@pytest.fixture(autouse=True)
def real_secrets(monkeypatch: pytest.MonkeyPatch, gateway_secrets: None) -> None:
    monkeypatch.setenv("SOCIALDESK_ADMIN_TOKEN", LONG)
    monkeypatch.setenv("SOCIALDESK_JWT_SECRET", LONG)
    monkeypatch.delenv("SOCIALDESK_ENV", raising=False)


@pytest.mark.parametrize("name", ["SOCIALDESK_ADMIN_TOKEN", "SOCIALDESK_JWT_SECRET"])
def test_there_is_no_default_secret_even_in_development(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.delenv(name)
    with pytest.raises(ValidationError, match=name):
        GatewaySettings()


@pytest.mark.parametrize("name", ["SOCIALDESK_ADMIN_TOKEN", "SOCIALDESK_JWT_SECRET"])
def test_a_short_secret_is_refused_at_start(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv(name, "short-secret-" + "y" * 18)
    with pytest.raises(ValidationError, match=rf"{name}[\s\S]*at least 32 characters") as refused:
        GatewaySettings()
    assert "short-secret" not in str(refused.value)  # the refused value is not logged


@pytest.mark.parametrize("value", ["Production", "prod", "PRODUCTION", "staging", ""])
def test_an_unknown_environment_name_is_refused(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("SOCIALDESK_ENV", value)
    with pytest.raises(ValidationError, match=r"SOCIALDESK_ENV[\s\S]*'development', 'test'"):
        GatewaySettings()


@pytest.mark.parametrize("value", ["development", "test", "production"])
def test_the_three_environment_names_start(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("SOCIALDESK_ENV", value)
    assert GatewaySettings().env == value


def test_secrets_stay_out_of_the_settings_repr() -> None:
    assert LONG not in repr(GatewaySettings())
