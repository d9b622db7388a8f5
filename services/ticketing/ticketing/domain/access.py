"""Who sees which tickets (docs/domain.md F33): agents see their levels' tickets and their own;
admins see all."""

from __future__ import annotations

from dataclasses import dataclass

from ticketing.domain.tickets import Ticket


@dataclass(frozen=True)
class Visibility:
    """What one agent may see: tickets of these levels, and tickets assigned to them."""

    agent: str
    levels: tuple[str, ...]

    def sees(self, ticket: Ticket) -> bool:
        return ticket.assignee == self.agent or (
            ticket.level is not None and ticket.level in self.levels
        )
