"""The console's page reads: everything one page shows, in one call to ticketing.

A ticket page shows the session's agent, the ticket, its history, the agents to assign to,
the desk's priorities and levels and the accounts a reply may go from. Read one call at a
time that was six round trips through the broker where the API's ``GET /v1/tickets/{id}`` is
one, and the page cost 3.5 times its API call (docs/operations.md "Console pages"). The
session is read first, in the same call, with the agent as the directory has them now: a
revoked session or a deactivated agent is refused exactly as ``sessions.get`` refuses them,
before anything of the ticket is read. The inbox likewise: the session, the views (their
counts follow the page), the page of tickets, the agents and the vocabulary in one call."""

from __future__ import annotations

from contracts.base import Contract
from contracts.credentials import SessionKey, SessionRead
from contracts.people import AgentRead
from contracts.rpc import Caller
from contracts.tickets import HistoryEntry, TicketDetail, TicketPage, TicketQuery
from contracts.views import ViewRead


class TicketPageQuery(SessionKey):
    """The session's secret (the cookie) and the ticket, by id or protocol number."""

    ref: str


class TicketPageRead(Contract):
    session: SessionRead
    ticket: TicketDetail
    history: list[HistoryEntry]
    agents: list[AgentRead]
    """Every agent of the directory, as ``agents.list`` answers the session's agent."""
    priorities: list[str]
    """The deployment's priority scale, highest first (``desk.vocabulary``)."""
    levels: list[str]
    """Every level's name (``desk.vocabulary``)."""
    reply_accounts: list[str]
    """The conversation's account first, then the other accounts of the ticket's level."""


class InboxPageQuery(SessionKey):
    """The session's secret, the chosen view (``view_id``) and the list's query: the form's
    filters, or with a view only the page size and cursor (the view's own filters, sort and
    order replace the query's, as ``GET /v1/views/{id}/tickets`` lists it)."""

    view_id: str | None = None
    query: TicketQuery = TicketQuery()


class InboxPageRead(Contract):
    session: SessionRead
    views: list[ViewRead]
    """Every view the agent sees, without counts (``count`` null): the console fetches them
    after the page with ``views.list``."""
    view: ViewRead | None
    listing: TicketPage
    agents: list[AgentRead]
    priorities: list[str]
    levels: list[str]


def session_caller(session: SessionRead) -> Caller:
    """The session's agent as the services see them: an administrator agent is an
    administrator (the same rule as the gateway's ``console.session.caller_of``)."""
    return Caller(id=session.agent.id, role="admin" if session.agent.admin else "agent")
