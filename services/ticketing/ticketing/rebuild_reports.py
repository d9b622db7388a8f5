"""``python -m ticketing.rebuild_reports``: project every ticket into the report counters
again, with the service's own settings (the same ``MONGODB_URL`` or SQLite file). Run it after
restoring a backup taken before the counters existed, after a calendar change (times are in
business time), or whenever the counters are in doubt: it is idempotent and safe while the
service runs (docs/operations.md "Reports")."""

from __future__ import annotations

import asyncio
import sys

from ticketing.settings import TicketingSettings
from ticketing.store import open_store
from ticketing.usecases import report_projection


async def main() -> int:
    store = open_store(TicketingSettings())
    await store.open()
    try:
        read = await report_projection.rebuild(store=store)
    finally:
        await store.close()
    print(f"report counters rebuilt from {read} tickets ({store.backend})")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
