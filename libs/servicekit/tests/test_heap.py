"""A started service's heap is frozen and its young generation wider (servicekit.heap)."""

from __future__ import annotations

import gc

from servicekit import heap


def test_settle_freezes_the_heap_and_widens_the_young_generation() -> None:
    before = gc.get_threshold()
    try:
        heap.settle()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (heap.YOUNG_THRESHOLD, before[1], before[2])
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
