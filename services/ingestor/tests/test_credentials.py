"""Credentials at rest: sealed with the configured key, a development key made once, and no
production start without a real key and real Meta secrets."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr

from ingestor.credentials import KEY_FILE, Vault, load_key
from ingestor.settings import IngestorSettings


def test_sealed_credentials_open_only_with_their_key() -> None:
    key = Fernet.generate_key()
    token = Vault(key).seal({"page_access_token": SecretStr("EAAB-secret")})
    assert b"EAAB-secret" not in token
    assert Vault(key).open(token) == {"page_access_token": "EAAB-secret"}
    with pytest.raises(ValueError, match="another key"):
        Vault(Fernet.generate_key()).open(token)


def test_development_makes_one_key_under_the_data_dir_and_keeps_it(tmp_path: Path) -> None:
    settings = IngestorSettings(SOCIALDESK_DATA_DIR=tmp_path, SOCIALDESK_INGEST_KEY="k" * 32)
    first = load_key(settings)
    assert load_key(settings) == first
    assert (tmp_path / KEY_FILE).stat().st_mode & 0o077 == 0


def test_production_refuses_to_start_without_a_credentials_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SOCIALDESK_ENV", "production")
    monkeypatch.setenv("SOCIALDESK_INGEST_KEY", "a-real-ingest-key-0123456789abcdef-0123")
    with pytest.raises(ValueError, match="INGESTOR_CREDENTIALS_KEY"):
        IngestorSettings()
    monkeypatch.setenv("INGESTOR_CREDENTIALS_KEY", Fernet.generate_key().decode())
    IngestorSettings()


def test_meta_secrets_are_optional_but_never_short(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without them the Meta webhook is off (404); with them, they are real secrets."""
    monkeypatch.setenv("SOCIALDESK_INGEST_KEY", "a-real-ingest-key-0123456789abcdef-0123")
    assert IngestorSettings().meta_app_secret is None
    monkeypatch.setenv("INGESTOR_META_APP_SECRET", "short")
    with pytest.raises(ValueError, match=r"INGESTOR_META_APP_SECRET|meta_app_secret"):
        IngestorSettings()
