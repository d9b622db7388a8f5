"""The embedded SQLite database behind every service's SqliteStore.

One connection per process, used from one dedicated thread so the event loop never blocks
on disk or on another process's lock. WAL mode lets several processes of one service share
the file (readers never wait for the writer); write transactions start with BEGIN IMMEDIATE
so two writers serialise at the start instead of failing at commit.

Reads are batched the same way, without a transaction: the reads callers start while the
thread is busy run one after another in the next turn, and their callers are woken by one
call into the event loop rather than one thread hand-off and wake-up per read. The thread's
turns are handed to the executor with ``submit``, not ``loop.run_in_executor``, whose asyncio
wrapper woke the event loop a second time per turn to settle a future nobody awaited (one
read's trip: 62-65 -> 43-49 us of CPU; a write's: 106-115 -> 85-96 us).

Group commit: the writes that callers start while a transaction is running are executed
together in the next transaction, each inside its own savepoint. Each ``write()`` is still
atomic on its own (a failing one is rolled back alone) and returns only once its transaction
has committed; the cost of a commit is shared by everything that was waiting for it, which
is what makes a consumer with many messages in flight fast. ``before_commit`` runs last in
every write transaction (a store finishing work its writes left for the whole group); if it
raises, the transaction fails for every write in it. ``after_commit`` runs on the database's
thread once such a transaction committed, before its writers are woken (a store publishing
what the transaction made true to this process's memory); its failure is logged.

Writes nobody waits for (``write_later``: marking events published once RabbitMQ confirmed
them) ride along in the next write transaction, or in one of their own a moment later, so on a
quiet day one message costs one commit instead of two.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from servicekit.sqlite_checkpoints import BACKSTOP_PAGES, Checkpointer

T = TypeVar("T")

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 30_000
MAX_GROUP = 500
"""Writes per transaction at most, so one commit never holds the file lock for long."""
LATER_WITHIN_SECONDS = 0.2
"""How long a ``write_later`` waits for a write transaction to ride along in."""

Pending = tuple[Callable[[sqlite3.Connection], Any], asyncio.Future[Any]]


class SqliteDatabase:
    def __init__(
        self,
        path: Path,
        schema: str,
        *,
        before_commit: Callable[[sqlite3.Connection], None] | None = None,
        after_commit: Callable[[], None] | None = None,
    ) -> None:
        self.path = path
        self._schema = schema
        self._before_commit = before_commit
        self._after_commit = after_commit
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"sqlite-{path.stem}")
        self._connection: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._pending: list[Pending] = []
        self._flush_scheduled = False
        self._reads: list[Pending] = []
        self._reads_scheduled = False
        self._later: list[Callable[[sqlite3.Connection], Any]] = []
        self._later_timer: asyncio.TimerHandle | None = None
        self._later_running = 0
        """Deferred writes a transaction has taken and not yet committed or rolled back."""
        self._later_writes: set[asyncio.Task[None]] = set()
        self._checkpointer: Checkpointer | None = None

    async def open(self) -> None:
        await self._run(self._open)
        # Checkpoints on a thread of their own, so commits only append (the module says why).
        self._checkpointer = Checkpointer(self.path)
        self._checkpointer.start()

    def _open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
        )
        connection.row_factory = sqlite3.Row
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        connection.execute("PRAGMA foreign_keys=ON")
        connection.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_PAGES}")
        # The schema is written with IF NOT EXISTS throughout, so replicas starting together
        # can all run it; the busy timeout serialises them.
        connection.executescript(self._schema)
        self._connection = connection

    async def close(self) -> None:
        if self._connection is not None:
            await self.settle_later()
            if self._later_timer is not None:
                self._later_timer.cancel()
                self._later_timer = None
            await self._run(self._connection.close)
            self._connection = None
        if self._checkpointer is not None:
            await asyncio.to_thread(self._checkpointer.stop)
            self._checkpointer = None
        self._executor.shutdown(wait=True)

    async def ping(self) -> None:
        """A trivial read through the database's thread: fails when the file is closed or
        the thread is stuck behind a write that does not end (health checks time it)."""
        await self.read(lambda connection: connection.execute("SELECT 1").fetchone())

    async def read(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work`` on the database's thread outside any transaction of this process's."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        with self._lock:
            self._reads.append((work, future))
            schedule = not self._reads_scheduled
            self._reads_scheduled = True
        if schedule:
            self._start_turn(self._read_all, loop, future, self._take_reads)
        return await future

    def _take_reads(self) -> list[Pending]:
        with self._lock:
            batch, self._reads, self._reads_scheduled = self._reads, [], False
        return batch

    def _read_all(self, loop: asyncio.AbstractEventLoop) -> None:
        batch = self._take_reads()
        outcomes: list[tuple[bool, Any]] = []
        for work, _ in batch:
            try:
                outcomes.append((True, work(self._conn())))
            except BaseException as exc:  # handed to that read's caller
                outcomes.append((False, exc))
        loop.call_soon_threadsafe(_settle_all, [future for _, future in batch], outcomes)

    async def write(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work`` atomically in a write transaction (rolled back alone if it raises);
        return once that transaction committed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        # ``work`` runs on the database's thread in its caller's context (trace, correlation
        # id), as it would inline: an outbox row written there keeps its caller's trace.
        context = contextvars.copy_context()
        with self._lock:
            self._pending.append((lambda connection: context.run(work, connection), future))
            schedule = not self._flush_scheduled
            self._flush_scheduled = True
        if schedule:
            self._start_turn(self._flush, loop, future, self._take_pending)
        return await future

    def _take_pending(self) -> list[Pending]:
        with self._lock:
            batch, self._pending, self._flush_scheduled = self._pending, [], False
        return batch

    def _start_turn(
        self,
        turn: Callable[[asyncio.AbstractEventLoop], None],
        loop: asyncio.AbstractEventLoop,
        future: asyncio.Future[Any],
        take: Callable[[], list[Pending]],
    ) -> None:
        """Hand ``turn`` to the database's thread. Closed, the call that asked (``future``'s)
        raises, and the calls it had gathered (``take`` takes them back) fail with it instead
        of waiting for a turn that never comes."""
        try:
            self._executor.submit(turn, loop)
        except RuntimeError:
            for _, waiting in take():
                if waiting is not future:
                    _settle(waiting, False, RuntimeError(f"{self.path} is closed"))
            raise

    def write_later(
        self,
        work: Callable[[sqlite3.Connection], object],
        within_seconds: float = LATER_WITHIN_SECONDS,
    ) -> None:
        """Run ``work`` at the start of the next write transaction, or in one of its own
        within ``within_seconds``; return at once. For bookkeeping whose loss is harmless
        (a crash before it commits, or a failure, which is logged): marking rows that the
        outbox relay would otherwise publish again, to consumers that are idempotent."""
        loop = asyncio.get_running_loop()
        context = contextvars.copy_context()
        with self._lock:
            self._later.append(lambda connection: context.run(work, connection))
            arm = self._later_timer is None
        if arm:
            self._later_timer = loop.call_later(within_seconds, self._write_later_now)

    def _write_later_now(self) -> None:
        self._later_timer = None
        task = asyncio.get_running_loop().create_task(self.settle_later())
        self._later_writes.add(task)
        task.add_done_callback(self._later_writes.discard)

    async def settle_later(self) -> None:
        """Return once every ``write_later`` queued so far has been written (or failed):
        those still waiting, and those a transaction running now has taken."""
        with self._lock:
            waiting = bool(self._later) or self._later_running > 0
        if waiting:  # a write's transaction commits after the one running now
            await self.write(_nothing)

    def _flush(self, loop: asyncio.AbstractEventLoop) -> None:
        with self._lock:
            group, self._pending = self._pending[:MAX_GROUP], self._pending[MAX_GROUP:]
            later, self._later = self._later, []
            self._later_running += len(later)
            if self._pending:
                loop.call_soon_threadsafe(self._reschedule, loop)
            else:
                self._flush_scheduled = False
        outcomes: list[tuple[bool, Any]] = []
        connection = self._connection
        committed = False
        try:
            # Inside the try: on a closed database the group's callers hear it (this runs
            # on the executor without anyone awaiting it, so nothing raised here is seen).
            connection = self._conn()
            connection.execute("BEGIN IMMEDIATE")
            # First, so a write of this group (an outbox claim) sees what they changed.
            for work_later in later:
                connection.execute("SAVEPOINT work")
                try:
                    work_later(connection)
                except Exception:
                    connection.execute("ROLLBACK TO work")
                    log.exception("a deferred write to %s failed", self.path)
                connection.execute("RELEASE work")
            for work, _ in group:
                connection.execute("SAVEPOINT work")
                try:
                    outcomes.append((True, work(connection)))
                except BaseException as exc:  # handed to that write's caller
                    connection.execute("ROLLBACK TO work")
                    outcomes.append((False, exc))
                connection.execute("RELEASE work")
            if self._before_commit is not None:
                self._before_commit(connection)
            connection.commit()
            committed = True
        except BaseException as exc:  # the transaction failed for every write in it
            if connection is not None and connection.in_transaction:
                connection.rollback()
            outcomes = [(False, exc)] * len(group)
            if later:
                log.warning("%d deferred writes to %s were lost: %s", len(later), self.path, exc)
        if committed and self._after_commit is not None:
            try:
                self._after_commit()
            except Exception:
                log.exception("after the commit of %s", self.path)
        if later:  # committed or rolled back: settle_later need not wait for them now
            with self._lock:
                self._later_running -= len(later)
        # One wake-up of the event loop for the whole group, not one per write.
        loop.call_soon_threadsafe(_settle_all, [future for _, future in group], outcomes)

    def _reschedule(self, loop: asyncio.AbstractEventLoop) -> None:
        self._executor.submit(self._flush, loop)

    def _conn(self) -> sqlite3.Connection:
        if self._connection is None:
            raise RuntimeError(f"{self.path} is not open")
        return self._connection

    async def _run(self, work: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, work)


def _nothing(connection: sqlite3.Connection) -> None:
    """A write with no work of its own: its transaction carries the deferred ones."""


def _settle_all(futures: list[asyncio.Future[Any]], outcomes: list[tuple[bool, Any]]) -> None:
    for future, (ok, value) in zip(futures, outcomes, strict=True):
        _settle(future, ok, value)


def _settle(future: asyncio.Future[Any], ok: bool, value: Any) -> None:
    if future.done():  # the caller was cancelled meanwhile
        return
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)


def add_missing_columns(
    connection: sqlite3.Connection, table: str, columns: dict[str, str]
) -> None:
    """Add to ``table`` the ``columns`` (name -> definition) a file written by an earlier
    version lacks: ``CREATE TABLE IF NOT EXISTS`` leaves an existing table as it was."""
    present = {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}
    for name, definition in columns.items():
        if name not in present:
            connection.execute(f"ALTER TABLE {table} ADD COLUMN {name} {definition}")
