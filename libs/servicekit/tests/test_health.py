"""Readiness says which check fails and why, and never hangs on a check that hangs."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from servicekit import health
from servicekit.sqlite import SqliteDatabase


async def fine() -> None:
    return None


async def refused() -> None:
    raise health.Unhealthy("not consuming from ticketing.interactions")


async def broken() -> None:
    raise ConnectionRefusedError("connection refused")


async def hangs() -> None:
    await asyncio.Event().wait()


async def test_all_checks_passing_is_200_with_details() -> None:
    code, body = await health.readiness({"broker": fine, "store": fine}, {"store": "sqlite"})
    assert code == 200
    assert body == {
        "status": "ok",
        "failing": [],
        "checks": {"broker": "ok", "store": "ok"},
        "store": "sqlite",
    }


async def test_a_failing_check_is_503_naming_it_with_its_reason() -> None:
    code, body = await health.readiness({"broker": fine, "consumers": refused, "store": broken})
    assert code == 503
    assert body["status"] == "failing"
    assert body["failing"] == ["consumers", "store"]
    assert body["checks"]["consumers"] == "not consuming from ticketing.interactions"
    assert body["checks"]["store"] == "ConnectionRefusedError: connection refused"


async def test_a_check_that_hangs_fails_within_the_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(health, "CHECK_TIMEOUT_SECONDS", 0.2)
    started = time.monotonic()
    code, body = await health.readiness({"store": hangs, "broker": fine})
    assert time.monotonic() - started < 2
    assert code == 503
    assert body["failing"] == ["store"]
    assert body["checks"]["store"] == "no answer within 0.2s"


async def test_an_unreachable_sqlite_store_fails_its_check(tmp_path: Path) -> None:
    database = SqliteDatabase(tmp_path / "db.sqlite3", "CREATE TABLE IF NOT EXISTS t (x);")
    await database.open()
    assert (await health.readiness({"store": database.ping}))[0] == 200
    await database.close()
    code, body = await health.readiness({"store": database.ping})
    assert code == 503
    assert body["failing"] == ["store"]
