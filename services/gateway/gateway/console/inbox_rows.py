"""The inbox's rows as the table draws them: one tuple of strings per ticket, which
_rows.html.j2 unpacks in its ``for``. The template is drawn 50 times a page
(bench/console.py) and each lookup, call and filter in it is Python run per row: the
words, the SLA's band and time left and the date's text are put together here once, in
the agent's language, and the template only writes them out (autoescaped, like any value)."""

from __future__ import annotations

from typing import Any

from gateway.console.sla_rows import duration, minutes_left

# Shown beside the band's word: colour alone fails colour-blind agents and poor screens.
ICONS = {"green": "●", "yellow": "▲", "red": "◆", "overdue": "✖"}

Row = tuple[str, str, str, str, str, str, str, str, str, str, str, str, str]


def table_rows(items: list[dict[str, Any]], words: dict[str, str]) -> list[Row]:
    """(priority, protocol, checkbox label, title, SLA band, icon, SLA words, status,
    level, assignee, channel, updated_at, updated_at as shown) for each ticket."""
    nobody, no_sla, select = words["nobody"], words["sla_none"], words["select_ticket"]
    left_words, late_words = words["sla_left"], words["sla_late"]
    rows: list[Row] = []
    for ticket in items:
        protocol = ticket["protocol"]
        sla = ticket["sla"]
        band = sla["band"] if sla else None
        if band:
            shown = words["sla_" + band]
            left = minutes_left(ticket)
            if left is not None:
                later = late_words if band == "overdue" else left_words
                shown += " · " + later.format(time=duration(left))
            icon = ICONS[band]
        else:
            band, icon, shown = "none", "", no_sla
        updated = ticket["updated_at"]
        rows.append(
            (
                ticket["priority"],
                protocol,
                select.format(protocol=protocol),
                ticket["title"],
                band,
                icon,
                shown,
                ticket["status"],
                ticket["level"] or "—",
                ticket["assignee"] or nobody,
                ticket["channel"],
                updated,
                updated[:16].replace("T", " "),
            )
        )
    return rows
