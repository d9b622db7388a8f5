"""A per-process cache's map with a bound on its size.

The services keep things they would otherwise read or work out again (rows, texts, SLA
readings taken apart, verified tokens) in maps, each with a bound so a flood of keys costs a
bounded amount of memory. ``BoundedDict`` is that dict: reads are the dict's own (a subclass
that overrides none of ``get``, ``[]``, ``in`` or ``pop``; CPython 3.11 specializes lookups
for exact dicts only, so one costs ~10 ns more than on a plain dict: ~1 µs of a clocked list
page's ~400 µs, which makes ~100), and ``put`` / ``put_all`` make room first, one of two ways:

- ``"all"``: empty the map. Nothing to keep in order, and what is taken again is read again
  once; right where what is kept is taken soon after it is put (a write after its read, the
  next page of a list).
- ``"oldest"``: forget the entries put longest ago, one by one, until the new ones fit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Generic, Literal, TypeVar

K = TypeVar("K")
V = TypeVar("V")

Drop = Literal["all", "oldest"]


class BoundedDict(dict[K, V], Generic[K, V]):
    """A dict that ``put`` and ``put_all`` keep at ``at_most`` entries at most, making room by
    ``drop`` (the module says which when). Entries set with ``[]=`` or ``update`` are not
    bounded: put them with ``put``."""

    __slots__ = ("at_most", "drop")

    def __init__(self, at_most: int, drop: Drop = "all") -> None:
        if at_most < 1:
            raise ValueError(f"a bounded map holds at least one entry, not {at_most}")
        super().__init__()
        self.at_most = at_most
        self.drop: Drop = drop

    def full(self) -> bool:
        """Whether one more key would take it past its bound."""
        return len(self) >= self.at_most

    def put(self, key: K, value: V) -> None:
        self._make_room(1)
        self[key] = value

    def put_all(self, entries: Mapping[K, V]) -> None:
        self._make_room(len(entries))
        self.update(entries)

    def _make_room(self, adding: int) -> None:
        if len(self) + adding <= self.at_most:
            return
        if self.drop == "all":
            self.clear()
            return
        while self and len(self) + adding > self.at_most:
            del self[next(iter(self))]
