"""Fixtures every test directory shares."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from devtools import store_backends


@pytest.fixture(scope="session")
def mongodb_url() -> Iterator[str]:
    """One real MongoDB for the whole run (store contract suites skip without one)."""
    yield from store_backends.mongodb_url()


def pytest_report_header(config: pytest.Config) -> str:
    if os.environ.get("MONGODB_URL"):
        return (
            "socialdesk store backend: mongodb (MONGODB_URL); "
            "contract suites: sqlite, mongomock, mongodb"
        )
    return (
        "socialdesk store backend: sqlite (MONGODB_URL unset); contract suites: sqlite, "
        "mongomock, and mongodb where testcontainers finds Docker"
    )
