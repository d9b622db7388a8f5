"""The collaborator's page speaks the browser's language: Portuguese or English."""

from __future__ import annotations

import pytest

from gateway.routes.opinions import page_language


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("pt-BR,pt;q=0.9,en-US;q=0.8", "pt-BR"),
        ("pt-PT", "pt-BR"),
        ("en-US,en;q=0.9,pt;q=0.5", "en"),
        ("de-DE,en;q=0.5", "en"),
        ("fr-FR", "pt-BR"),
        ("", "pt-BR"),
    ],
)
def test_the_page_language_follows_the_browsers_preference(header: str, language: str) -> None:
    assert page_language(header) == language
