"""Fixtures every test directory shares."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devtools import store_backends


@pytest.fixture(scope="session")
def mongodb_url() -> Iterator[str]:
    """One real MongoDB for the whole run (store contract suites skip without one)."""
    yield from store_backends.mongodb_url()
