"""The replies the ingestor sends (docs/architecture.md "Replies"): each is claimed before its
network is called, so a redelivered request never calls the network twice, and settled with
the outcome event in the outbox. A claim without an outcome is a reply that may or may not
have reached the network (the sender stopped in between): it becomes uncertain, never re-sent.
Both adapters mix this into their store."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple, Protocol

from servicekit.publishing import OutgoingMessage


def outcome_key(reply_id: str) -> str:
    """The outcome's de-duplication key in the outbox: one outcome per reply, ever."""
    return f"reply:{reply_id}"


class ReplyClaim(NamedTuple):
    new: bool
    """This call made the claim: the caller, and only it, may call the network."""
    settled: bool
    """An outcome was recorded (sent, failed or uncertain)."""


class ReplyStore(Protocol):
    async def claim_reply(self, reply_id: str, at: datetime) -> ReplyClaim:
        """Claim the reply for sending, once: a second claim of the same id is not new."""
        ...

    async def settle_reply(
        self, reply_id: str, network_key: str | None, outcome: OutgoingMessage
    ) -> list[OutgoingMessage]:
        """Record the outcome event in the outbox (at most one per reply: a second outcome
        is dropped) and, once sent, the network's key of what we posted (for its echo). The
        outcome to publish, or nothing when one was recorded before."""
        ...

    async def our_replies(self, network_keys: Sequence[str]) -> set[str]:
        """Those of ``network_keys`` (channel:network id) that are replies we posted: their
        echoes from the network are not new interactions."""
        ...
