"""The ordered priority scale (docs/domain.md F4), configurable per deployment."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_SCALE = ("urgent", "high", "medium", "low")


@dataclass(frozen=True)
class PriorityScale:
    """Highest first. ``default`` is what a ticket gets when nothing says otherwise."""

    levels: tuple[str, ...] = DEFAULT_SCALE
    default: str = "medium"

    def __post_init__(self) -> None:
        if not self.levels or len(set(self.levels)) != len(self.levels):
            raise ValueError("a priority scale needs distinct, non-empty levels")
        if self.default not in self.levels:
            raise ValueError(f"default priority {self.default!r} is not in {self.levels}")

    def __contains__(self, priority: object) -> bool:
        return priority in self.levels

    def rank(self, priority: str) -> int:
        """0 for the highest priority."""
        return self.levels.index(priority)

    def require(self, priority: str) -> str:
        if priority not in self.levels:
            raise ValueError(
                f"unknown priority {priority!r}; the scale is {', '.join(self.levels)}"
            )
        return priority
