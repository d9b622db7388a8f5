"""The inbox's rows as the table draws them, put together here as one piece of markup that
_rows.html.j2 writes out. The table is drawn 50 rows a page (bench/console.py): the words,
the SLA band and time left and the date's text are put together once, in the agent's
language, and the values of every row are escaped in one call.

Why not a ``{{ value }}`` per cell: Jinja escapes each output on its own, building a
``Markup`` in Python every time, and the rows' ~775 outputs were half of the page's render
(py-spy on the running gateway and cProfile in-process, 2026-12-01). Every value is still
escaped by markupsafe, as Jinja's autoescape does: escaping is per character, so the row's
values joined by a separator and escaped at once are each value escaped. The page's values
are escaped together, not a row's at a time: 50 calls were a fifth of the rows' time."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

from gateway.console.sla_rows import duration, minutes_left

# Shown beside the band's word: colour alone fails colour-blind agents and poor screens.
ICONS = {"green": "●", "yellow": "▲", "red": "◆", "overdue": "✖"}

# Between the values while they are escaped together; a page whose text holds it is
# escaped value by value instead.
SEPARATOR = "\x00"

ICON = '<span aria-hidden="true" class="sla-icon">{}</span>\n'


def _row(c: list[str]) -> str:
    """One row from its escaped cells (``table_rows``'s order). An f-string, not a
    ``str.format`` template: that one parsed its template again for each of the 50 rows, a
    third of the rows' time (2026-12-01)."""
    return (
        f'\n<tr class="priority-{c[0]}" data-row>\n'
        f'  <td><input type="checkbox" name="ref" value="{c[1]}" form="bulk"'
        f' aria-label="{c[2]}"></td>\n'
        f'  <td><a href="/tickets/{c[1]}" data-open>{c[1]}</a></td>\n'
        f"  <td>{c[3]}</td>\n"
        f'  <td><span class="sla sla-{c[4]}">{c[5]}{c[6]}</span></td>\n'
        f'  <td><span class="badge">{c[7]}</span></td>\n'
        f"  <td>{c[0]}</td>\n"
        f"  <td>{c[8]}</td>\n"
        f"  <td>{c[9]}</td>\n"
        f"  <td>{c[10]}</td>\n"
        f'  <td><time datetime="{c[11]}">{c[12]}</time></td>\n'
        "</tr>\n"
    )


CELLS = 13
"""A row's values: priority, protocol, the checkbox's label, title, SLA band, its icon and
words, status, level, assignee, channel, and when it changed (as data and as shown)."""


def table_rows(items: list[dict[str, Any]], words: dict[str, str]) -> Markup:
    """Each ticket's row (``CELLS``). Empty when there is no ticket (the template then says
    so)."""
    nobody, no_sla, select = words["nobody"], words["sla_none"], words["select_ticket"]
    left_words, late_words = words["sla_left"], words["sla_late"]
    values: list[str] = []
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
        values += (
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
    rows: list[str] = []
    for at in range(0, len(cells), CELLS):
        row = cells[at : at + CELLS]
        if row[5]:
            row[5] = ICON.format(row[5])
        rows.append(_row(row))
    return Markup("".join(rows))


def _escaped(values: list[str], size: int | None = CELLS) -> list[str]:
    """``values`` escaped, together; when some text holds the separator, row by row
    (``size`` values), and within such a row value by value."""
    together = str(escape(SEPARATOR.join(values))).split(SEPARATOR)
    if len(together) == len(values):
        return together
    if size is None:
        return [str(escape(value)) for value in values]
    return [
        cell
        for at in range(0, len(values), size)
        for cell in _escaped(values[at : at + size], None)
    ]
