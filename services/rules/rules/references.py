"""A rule's names for ticket things it does not own: the priorities (ticketing's configured
scale), the levels and the business calendars (ticketing's directory). A rule naming one that
does not exist cannot work: ticketing would silently open the ticket at the default priority or
in a level nobody works, and hours nobody defined would never hold. So a rule is checked
against ticketing's ``desk.vocabulary`` when it is saved, tried (dry run) or backtested as a
draft, and refused with a 422 naming the field (issue 9).

Ticketing is asked only when the rule names a priority, a level or a calendar, so rules that
do not are saved while ticketing is down; one that does answers 503 until ticketing is back."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from contracts.rpc import Caller, FieldError
from contracts.rpc_ticketing import DeskVocabulary, TicketingMethod
from contracts.rules import RuleDefinition
from contracts.topology import TICKETING_RPC
from rules.domain.hours import calendar_names
from servicekit import rpc

log = logging.getLogger(__name__)

Vocabulary = Callable[[], Awaitable[DeskVocabulary]]
"""What ticketing has now (asked each time: a level created a moment ago can be used)."""

RULES_CALLER = Caller(id="rules", role="system")


class Unavailable(rpc.RpcFailure):
    status = 503
    code = "unavailable"


Loc = tuple[str | int, ...]


def named(definition: RuleDefinition) -> tuple[list[tuple[Loc, str]], list[tuple[Loc, str]]]:
    """The priorities and levels the rule names, each with where it names it."""
    then = definition.then
    priorities: list[tuple[Loc, str]] = []
    levels: list[tuple[Loc, str]] = []
    if then.open_ticket is not None:
        if then.open_ticket.priority is not None:
            priorities.append((("then", "open_ticket", "priority"), then.open_ticket.priority))
        if then.open_ticket.level is not None:
            levels.append((("then", "open_ticket", "level"), then.open_ticket.level))
    if then.set_priority is not None:
        priorities.append((("then", "set_priority"), then.set_priority))
    return priorities, levels


async def check(
    definition: RuleDefinition, vocabulary: Vocabulary, *, at: Loc = ()
) -> DeskVocabulary | None:
    """Refuse (422, every unknown name located; ``at`` is where the rule is in the request)
    a rule naming a priority not on the scale, a level or a business calendar that does not
    exist. Answers what ticketing said, when it was asked."""
    priorities, levels = named(definition)
    calendars = sorted(calendar_names(definition.when))
    if not priorities and not levels and not calendars:
        return None
    known = await ask(vocabulary)
    fields = [
        FieldError(
            loc=[*at, *loc],
            msg=f"{name!r} is not on the priority scale ({', '.join(known.priorities)})",
            type="unknown_priority",
        )
        for loc, name in priorities
        if name not in known.priorities
    ] + [
        FieldError(
            loc=[*at, *loc],
            msg=f"there is no level {name!r}: create it first (POST /v1/levels)",
            type="unknown_level",
        )
        for loc, name in levels
        if name not in known.levels
    ]
    fields += [
        FieldError(
            loc=[*at, "when", "business_hours", "calendar"],
            msg=f"there is no calendar {name!r}: create it first (POST /v1/calendars)",
            type="unknown_calendar",
        )
        for name in calendars
        if name not in {c.name for c in known.calendars}
    ]
    if fields:
        raise rpc.Invalid("; ".join(f.msg for f in fields), fields=fields)
    return known


async def ask(vocabulary: Vocabulary) -> DeskVocabulary:
    """What ticketing has now; 503 when it does not answer."""
    try:
        return await vocabulary()
    except Exception as exc:
        log.warning("could not ask ticketing for its priorities, levels and calendars: %r", exc)
        raise Unavailable(
            "the rule names a priority, a level or a calendar, and ticketing, which owns them, "
            "did not answer: try again in a moment"
        ) from exc


def asking(client: rpc.RpcClient, timeout_seconds: float) -> Vocabulary:
    """The vocabulary as ticketing answers it over request/reply."""

    async def vocabulary() -> DeskVocabulary:
        wire = await client.call(
            TICKETING_RPC, TicketingMethod.DESK_VOCABULARY, {}, RULES_CALLER, timeout_seconds
        )
        reply = wire.decoded()
        if reply.error is not None:
            raise RuntimeError(f"ticketing refused desk.vocabulary: {reply.error.detail}")
        return DeskVocabulary.model_validate(reply.result)

    return vocabulary


async def unavailable() -> DeskVocabulary:
    """Where no ticketing is wired (handler tests that name no priority or level)."""
    raise RuntimeError("no ticketing to ask")
