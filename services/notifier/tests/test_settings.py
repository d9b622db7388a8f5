"""The notifier signs opinion links only with a real secret: none is built in."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from notifier.settings import NotifierSettings


def test_there_is_no_default_link_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOTIFIER_LINK_SECRET", raising=False)
    with pytest.raises(ValidationError, match=r"NOTIFIER_LINK_SECRET|link_secret"):
        NotifierSettings()
    monkeypatch.setenv("NOTIFIER_LINK_SECRET", "short")
    with pytest.raises(ValidationError, match="at least 32 characters"):
        NotifierSettings()
    monkeypatch.setenv("NOTIFIER_LINK_SECRET", "a-real-secret-of-some-length-0123456789")
    assert NotifierSettings().link_secret == "a-real-secret-of-some-length-0123456789"
