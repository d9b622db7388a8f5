"""Digest windows (docs/domain.md F27): which window a matching interaction belongs to, the one
event that announces a closed window, and what a digest lists of each interaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid5

from contracts.events import DigestItem
from contracts.interaction import Interaction

WINDOW_SECONDS = {"hour": 3_600, "day": 86_400}
DIGEST_NAMESPACE = UUID("2f0c8f7e-5b7a-4d8e-9a51-6f3f0a1d2c4b")
ITEM_TEXT_CHARS = 280


@dataclass(frozen=True)
class WindowClock:
    """Windows aligned to the clock in UTC. ``test_window_seconds`` is the length of the
    test-only ``test_window`` unit (None: that unit is not offered, and a stored rule that
    still uses it gets hour windows rather than failing every message)."""

    test_window_seconds: int | None = None

    def length(self, every: str) -> int:
        if every == "test_window":
            return self.test_window_seconds or WINDOW_SECONDS["hour"]
        return WINDOW_SECONDS[every]

    def window(self, at: datetime, every: str) -> tuple[datetime, datetime]:
        length = self.length(every)
        epoch = int(at.timestamp())
        start = datetime.fromtimestamp(epoch - epoch % length, UTC)
        return start, start + timedelta(seconds=length)


def digest_id(rule_id: UUID, window_start: datetime) -> UUID:
    """The same for every replica and every attempt, so a repeat is a duplicate."""
    return uuid5(DIGEST_NAMESPACE, f"{rule_id}/{window_start.astimezone(UTC).isoformat()}")


def item_of(interaction: Interaction) -> DigestItem:
    author = interaction.author
    text = interaction.text
    return DigestItem(
        interaction_key=interaction.key,
        channel=interaction.channel.value,
        account=interaction.account,
        kind=interaction.kind.value,
        author=author.name or author.handle or author.id,
        text=text if len(text) <= ITEM_TEXT_CHARS else text[: ITEM_TEXT_CHARS - 1] + "…",
        rating=interaction.rating,
        occurred_at=interaction.occurred_at,
    )
