"""A production notifier must not sign opinion links with the published development secret."""

from __future__ import annotations

import pytest

from notifier.settings import NotifierSettings


def test_production_refuses_the_development_link_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SOCIALDESK_ENV", "production")
    monkeypatch.delenv("NOTIFIER_LINK_SECRET", raising=False)
    with pytest.raises(ValueError, match="NOTIFIER_LINK_SECRET"):
        NotifierSettings()
    monkeypatch.setenv("NOTIFIER_LINK_SECRET", "a-real-secret-of-some-length")
    assert NotifierSettings().link_secret == "a-real-secret-of-some-length"
