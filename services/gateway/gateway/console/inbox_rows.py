"""The inbox's rows as the table draws them, put together here as one piece of markup that
_rows.html.j2 writes out. The table is drawn 50 rows a page (bench/console.py): the words,
the SLA band and time left and the date's text are put together once, in the agent's
language, and each row's values are escaped in one call.

Why not a ``{{ value }}`` per cell: Jinja escapes each output on its own, building a
``Markup`` in Python every time, and the rows' ~775 outputs were half of the page's render
(py-spy on the running gateway and cProfile in-process, 2026-12-01). Every value is still
escaped by markupsafe, as Jinja's autoescape does: escaping is per character, so the row's
values joined by a separator and escaped at once are each value escaped."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

from gateway.console.sla_rows import duration, minutes_left

# Shown beside the band's word: colour alone fails colour-blind agents and poor screens.
ICONS = {"green": "●", "yellow": "▲", "red": "◆", "overdue": "✖"}

# Between a row's values while they are escaped together; a row whose text holds it is
# escaped value by value instead.
SEPARATOR = "\x00"

ROW = (
    '\n<tr class="priority-{0}" data-row>\n'
    '  <td><input type="checkbox" name="ref" value="{1}" form="bulk" aria-label="{2}"></td>\n'
    '  <td><a href="/tickets/{1}" data-open>{1}</a></td>\n'
    "  <td>{3}</td>\n"
    '  <td><span class="sla sla-{4}">{5}{6}</span></td>\n'
    '  <td><span class="badge">{7}</span></td>\n'
    "  <td>{0}</td>\n"
    "  <td>{8}</td>\n"
    "  <td>{9}</td>\n"
    "  <td>{10}</td>\n"
    '  <td><time datetime="{11}">{12}</time></td>\n'
    "</tr>\n"
)
ICON = '<span aria-hidden="true" class="sla-icon">{}</span>\n'


def table_rows(items: list[dict[str, Any]], words: dict[str, str]) -> Markup:
    """Each ticket's row: priority, protocol, the checkbox's label, title, SLA band, its
    icon and words, status, level, assignee, channel, and when it changed (as data and as
    shown). Empty when there is no ticket (the template then says so)."""
    nobody, no_sla, select = words["nobody"], words["sla_none"], words["select_ticket"]
    left_words, late_words = words["sla_left"], words["sla_late"]
    rows: list[str] = []
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
        values = (
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
        cells = _escaped(values)
        if cells[5]:
            cells[5] = ICON.format(cells[5])
        rows.append(ROW.format(*cells))
    return Markup("".join(rows))


def _escaped(values: tuple[str, ...]) -> list[str]:
    together = str(escape(SEPARATOR.join(values))).split(SEPARATOR)
    if len(together) == len(values):
        return together
    return [str(escape(value)) for value in values]
