"""A notifier SQLite file written before claims had owners keeps working: its mail log gains the
column, its settled mails stay settled, and its unsettled claims are taken over by lease."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from uuid import uuid4

from notifier.store.port import Claim
from notifier.store.sqlite import SqliteNotifierStore
from servicekit.clock import ManualClock

OLD_DELIVERIES = """
CREATE TABLE deliveries (
    event_id TEXT NOT NULL,
    recipient TEXT NOT NULL,
    state TEXT NOT NULL,
    claimed_until REAL NOT NULL,
    updated_at REAL NOT NULL,
    PRIMARY KEY (event_id, recipient)
)
"""


async def test_an_old_mail_log_gains_owners_and_keeps_what_it_knew(tmp_path: Path) -> None:
    clock = ManualClock()
    path, sent, held = tmp_path / "notifier.sqlite3", uuid4(), uuid4()
    now = clock().timestamp()
    with sqlite3.connect(path) as connection:
        connection.execute(OLD_DELIVERIES)
        connection.executemany(
            "INSERT INTO deliveries VALUES (?, 'ana@example.com', ?, ?, ?)",
            [(str(sent), "sent", 0, now), (str(held), "sending", now + 120, now)],
        )
    store = SqliteNotifierStore(path, clock=clock)
    await store.open()
    try:
        assert await store.claim(sent, "ana@example.com", owner="a", lease_seconds=15) is (
            Claim.DONE
        )
        assert await store.claim(held, "ana@example.com", owner="a", lease_seconds=15) is (
            Claim.BUSY
        )
        clock.advance(121)
        assert await store.claim(held, "ana@example.com", owner="a", lease_seconds=15) is (
            Claim.GRANTED
        )
        assert await store.renew(held, "ana@example.com", owner="a", lease_seconds=15)
    finally:
        await store.close()
