"""A ticket row's SLA: its worst band (green, yellow, red, overdue) and the business time
left on its most urgent running clock, for the inbox and the board to show in colour AND in
words (colour alone fails colour-blind agents and poor screens)."""

from __future__ import annotations

from typing import Any

CLOCKS = ("first_response", "next_response", "resolution")


def with_time_left(ticket: dict[str, Any]) -> dict[str, Any]:
    """The ticket with ``sla_minutes_left`` (None without a running clock) and
    ``sla_left``, that time in words."""
    left = minutes_left(ticket)
    return {
        **ticket,
        "sla_minutes_left": left,
        "sla_left": "" if left is None else duration(left),
    }


def minutes_left(ticket: dict[str, Any]) -> float | None:
    """The business minutes left on the ticket's most urgent running clock, if any."""
    sla = ticket.get("sla") or {}
    running = [
        sla[name]["business_minutes_left"]
        for name in CLOCKS
        if sla.get(name) and not sla[name]["paused"] and sla[name]["met_at"] is None
    ]
    return min(running) if running else None


def duration(minutes: float) -> str:
    """Business minutes as "45 min", "3 h 20 min" or "2 d 4 h" (sign dropped)."""
    whole = int(abs(minutes))
    days, rest = divmod(whole, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {mins} min"
    return f"{mins} min"
