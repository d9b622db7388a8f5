"""Who sees which tickets and interactions (docs/domain.md F33, docs/api.md "Who sees what"):
agents see their levels' tickets and their own, the interactions of those tickets, and the
interactions without a ticket on the accounts their levels serve; admins see all."""

from __future__ import annotations

from dataclasses import dataclass

from ticketing.domain.tickets import Ticket


@dataclass(frozen=True)
class Visibility:
    """What one agent may see: tickets of these levels, and tickets assigned to them."""

    agent: str
    levels: tuple[str, ...]
    accounts: tuple[str, ...] = ()
    """The brand accounts the agent's levels serve: an interaction no ticket holds yet is
    seen only through its account, since it has no level of its own."""

    def sees(self, ticket: Ticket) -> bool:
        return ticket.assignee == self.agent or (
            ticket.level is not None and ticket.level in self.levels
        )

    def sees_unticketed(self, account: str) -> bool:
        return account in self.accounts
