"""The garbage collector's settings for a long-running service, once it has started.

Two measures, both against the pauses every request in flight waits out:

- ``gc.freeze()``: what is alive once the service has started (modules, routes, pydantic's
  validators, the broker, the store) lives as long as the process; frozen, no collection
  walks it again.
- a young generation of ``YOUNG_THRESHOLD`` objects instead of CPython's 700: with fifty
  requests in flight, each holding its objects across an await, a collection every 700
  allocations found most of them still alive and moved them to the older generations, where
  they died later and were found only by the older, slower collections. Measured in one
  process (the gateway's stack for the ticket list and detail, 50 at a time, 8,000 requests,
  issue 8): with 700, 1,480 young, 134 middle and 12 full collections, 0.7 s of collection in
  all (full ones of 13-22 ms each on a loaded machine); with 10,000, 11 young collections and
  no other, 0.1 s. The older generations keep CPython's thresholds."""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 10_000


def settle() -> None:
    """Freeze the heap as it is and widen the young generation: call once started."""
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
