"""Who gets a ticket (docs/domain.md F17): a random agent, or the most available one (fewest
tickets still needing work). Pure: the caller reads the loads, inside the same write
transaction as the assignment where it matters, so concurrent choices see each other."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

FINISHED_STATUSES = frozenset({"resolved", "closed"})
"""A ticket in these statuses no longer counts towards its assignee's load."""

_RANDOM = random.Random()


def most_available(
    loads: Mapping[str, int], candidates: Sequence[str], rng: random.Random | None = None
) -> str | None:
    """The candidate holding the fewest open tickets; ties are drawn at random, so equally
    idle agents share the work instead of the first in the list taking all of it."""
    if not candidates:
        return None
    fewest = min(loads.get(agent, 0) for agent in candidates)
    tied = sorted({agent for agent in candidates if loads.get(agent, 0) == fewest})
    return (rng or _RANDOM).choice(tied)


def pick_random(candidates: Sequence[str], rng: random.Random | None = None) -> str | None:
    return (rng or _RANDOM).choice(sorted(set(candidates))) if candidates else None
