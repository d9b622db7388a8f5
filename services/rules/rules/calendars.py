"""The business calendars this replica evaluates named ``business_hours`` conditions with. They
belong to ticketing (``/v1/calendars``) and come with its ``desk.vocabulary``; they are asked
for again every ``refresh_seconds``, and at once when the rules start naming one not known here,
so a rule saved a moment after its calendar works on the next interaction. A name still missing
after that (its calendar was deleted) waits for the next refresh instead of costing a request per
interaction. If ticketing does not answer, the last calendars stay in use."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Set

from rules.domain.hours import Calendars, compiled
from rules.references import Vocabulary
from servicekit.periodic import Periodic

log = logging.getLogger(__name__)


class CalendarBook:
    def __init__(self, vocabulary: Vocabulary, refresh_seconds: float) -> None:
        self._vocabulary = vocabulary
        self._refresh_seconds = refresh_seconds
        self._calendars: Calendars = {}
        self._asked_at = float("-inf")
        self._missing: Set[str] = frozenset()
        """The wanted names the last answer lacked."""
        self._lock = asyncio.Lock()

    async def current(self, wanted: Set[str] = frozenset()) -> Calendars:
        """The calendars, refreshed first when they are old or lack one of ``wanted``."""
        if self._needs_asking(wanted):
            async with self._lock:
                if self._needs_asking(wanted):
                    await self._refresh(wanted)
        return self._calendars

    def watcher(self) -> Periodic:
        return Periodic("refreshing the business calendars", self._refresh_seconds, self._tick)

    async def _tick(self) -> None:
        async with self._lock:
            await self._refresh(self._missing)

    def _needs_asking(self, wanted: Set[str]) -> bool:
        newly_missing = (wanted - self._calendars.keys()) - self._missing
        return bool(newly_missing) or time.monotonic() - self._asked_at >= self._refresh_seconds

    async def _refresh(self, wanted: Set[str]) -> None:
        self._asked_at = time.monotonic()
        try:
            known = await self._vocabulary()
        except Exception as exc:
            log.warning("could not ask ticketing for the business calendars: %r", exc)
            return
        self._calendars = compiled(known.calendars)
        self._missing = frozenset(wanted - self._calendars.keys())
