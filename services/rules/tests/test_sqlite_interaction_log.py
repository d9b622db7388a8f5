"""The interaction log on SQLite: the backtests' sample rides along in a later transaction,
a digest's item never does."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

from rules.domain.digest import item_of
from rules.store.port import DigestEntry
from rules.store.sqlite import SqliteRuleStore

from .test_store_contract_digests import entry, window


def on_disk(path: Path, query: str) -> int:
    """What another process reading the file sees now (committed rows only)."""
    with sqlite3.connect(path) as other:
        return int(other.execute(query).fetchone()[0])


async def test_a_digest_item_is_committed_when_logging_returns(tmp_path: Path) -> None:
    store = SqliteRuleStore(tmp_path / "rules.db")
    await store.open()
    try:
        logged = entry("taken", 5)
        await store.log_interaction(logged, [DigestEntry(window(), item_of(logged.interaction))])
        # Acknowledged after this returns: a crash now must not lose the digest's item.
        assert on_disk(tmp_path / "rules.db", "SELECT COUNT(*) FROM digest_items") == 1
        assert on_disk(tmp_path / "rules.db", "SELECT COUNT(*) FROM interaction_log") == 1
    finally:
        await store.close()


async def test_interactions_logged_one_at_a_time_reach_the_file_together_soon(
    tmp_path: Path,
) -> None:
    store = SqliteRuleStore(tmp_path / "rules.db")
    await store.open()
    try:
        for minute in range(5):
            await store.log_interaction(entry(f"sample-{minute}", minute))
        # Nobody reads: the sample still reaches the file within a moment on its own.
        deadline = time.monotonic() + 5
        while on_disk(tmp_path / "rules.db", "SELECT COUNT(*) FROM interaction_log") < 5:
            assert time.monotonic() < deadline, "the logged interactions never reached the file"
            await asyncio.sleep(0.02)
        await store.log_interaction(entry("just-now", 30))
        # Read back in this process at once (a backtest right after a message).
        found = await store.logged_between(
            entry("x", 0).interaction.occurred_at,
            entry("x", 60).interaction.occurred_at,
            after=None,
            limit=10,
        )
        assert len(found) == 6
    finally:
        await store.close()


async def test_closing_writes_what_was_logged_a_moment_ago(tmp_path: Path) -> None:
    store = SqliteRuleStore(tmp_path / "rules.db")
    await store.open()
    await store.log_interaction(entry("last", 1))
    await store.close()  # a graceful stop keeps the sample whole
    assert on_disk(tmp_path / "rules.db", "SELECT COUNT(*) FROM interaction_log") == 1
