"""WAL checkpoints off the write path, for ``servicekit.sqlite``.

In WAL mode every commit appends the pages it changed to the ``-wal`` file, and by default
the commit that takes the file past 1,000 pages then copies them all back into the database
and syncs both files, on the writer's own thread, while the writes queued behind it wait. A
ticket's write changes dozens of pages (the row, each desk index, the interaction and its
indexes, the search index): one interaction at a time, that was a checkpoint every twenty or
so interactions. Here a thread of its own, with a connection of its own, runs a PASSIVE
checkpoint every ``EVERY_SECONDS``: it copies what no reader still needs and waits for no
one, so the writer's commits only append. A page rewritten by many commits in between (the
newest end of every index) is copied once instead of once per thousand pages. The writer
keeps an automatic checkpoint far out (``BACKSTOP_PAGES``), in case this thread falls
behind."""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

log = logging.getLogger(__name__)

EVERY_SECONDS = 1.0
BACKSTOP_PAGES = 10_000
"""The writer's own ``wal_autocheckpoint`` (40 MB of 4 KB pages)."""


class Checkpointer:
    """Checkpoints one database file every ``every`` seconds until stopped."""

    def __init__(self, path: Path, every: float | None = None) -> None:
        self._path = path
        self._every = EVERY_SECONDS if every is None else every
        self._stopping = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"sqlite-checkpoints-{path.stem}", daemon=True
        )
        self.checkpoints = 0
        """Checkpoints run (tests read it)."""

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Return once the thread ended (after one last checkpoint)."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        connection = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        try:
            while not self._stopping.wait(self._every):
                self.checkpoint(connection)
            self.checkpoint(connection)
        finally:
            connection.close()

    def checkpoint(self, connection: sqlite3.Connection) -> None:
        try:
            # PASSIVE: copy what it can now, wait for no reader or writer. Another replica's
            # checkpoint running meanwhile makes this one a no-op, not an error to retry.
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            self.checkpoints += 1
        except sqlite3.Error:
            log.warning("checkpointing %s failed; the next one will try again", self._path)
