"""The inbox's rows as an agent reads them, in both languages: the SLA band in words with the
time left (or late), who has the ticket, and a customer's title written as text, never as
markup (the rows are put together in Python, console/inbox_rows.py, each value escaped)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from contracts.credentials import SessionRead
from contracts.people import AgentRead
from gateway.console import i18n
from gateway.console.inbox_read import inbox_read
from gateway.console.inbox_rows import table_rows
from gateway.console.render import templates


def _ticket(protocol: str, sla: dict[str, Any] | None, **more: Any) -> dict[str, Any]:
    return {
        "protocol": protocol,
        "title": "<b>Pedido</b> & troca",
        "status": "open",
        "priority": "urgent",
        "level": None,
        "assignee": None,
        "channel": "instagram",
        "updated_at": "2026-12-01T07:10:00.123456Z",
        "sla": sla,
        **more,
    }


def _clock(left: float, band: str) -> dict[str, Any]:
    return {"business_minutes_left": left, "band": band, "paused": False, "met_at": None}


def _rows(language: str, items: list[dict[str, Any]]) -> str:
    words = i18n.words(language)
    return templates.get_template("_rows.html.j2").render(rows=table_rows(items, words), w=words)


def test_a_row_shows_its_band_time_left_and_owner_in_the_agents_language() -> None:
    items = [
        _ticket("SD-1", {"band": "overdue", "first_response": _clock(-75, "overdue")}),
        _ticket("SD-2", {"band": "yellow", "resolution": _clock(12.5, "yellow")}, level="n1"),
        _ticket("SD-3", None, assignee="Ana"),
    ]
    english = _rows("en", items)
    assert "Overdue · 1 h 15 min late" in english
    assert "Due soon · 12 min left" in english
    assert "no SLA" in english and ">Ana<" in english and ">nobody<" in english
    assert 'aria-label="Select SD-2"' in english and 'href="/tickets/SD-2"' in english
    assert "2026-12-01 07:10" in english
    portuguese = _rows("pt-BR", items)
    assert "Atrasado · 1 h 15 min de atraso" in portuguese
    assert "Atenção · faltam 12 min" in portuguese
    assert ">ninguém<" in portuguese and 'aria-label="Selecionar SD-1"' in portuguese


def test_a_title_is_text_not_markup() -> None:
    shown = _rows("en", [_ticket("SD-<1>", None)])
    assert "&lt;b&gt;Pedido&lt;/b&gt; &amp; troca" in shown
    assert "<b>" not in shown and 'value="SD-&lt;1&gt;"' in shown


def test_no_rows_says_so() -> None:
    assert "No ticket matches these filters." in _rows("en", [])
    assert "Nenhum ticket com esses filtros." in _rows("pt-BR", [])


def test_quotes_and_a_nul_in_a_customers_text_are_still_escaped_in_their_own_cell() -> None:
    shown = _rows("en", [_ticket("SD-9", None, title='"quoted" \x00 <i>', assignee="Bia's")])
    assert "<td>&#34;quoted&#34; \x00 &lt;i&gt;</td>" in shown
    assert "<td>Bia&#39;s</td>" in shown and "<i>" not in shown


def test_a_nul_in_one_ticket_leaves_every_other_row_whole_and_escaped() -> None:
    """The page's values are escaped together; a NUL in one title takes the slower way for
    its rows, and every row still shows its own values, each escaped."""
    items = [
        _ticket("SD-1", None, assignee="<Ana>"),
        _ticket("SD-2", _clock(-30, "overdue"), title="nul \x00 <here>"),
        _ticket("SD-3", _clock(45, "green"), assignee="Bia's"),
    ]
    shown = _rows("en", items)
    assert shown.count("<tr ") == 3 and shown.count("</tr>") == 3
    assert "<td>&lt;Ana&gt;</td>" in shown and "<td>nul \x00 &lt;here&gt;</td>" in shown
    assert "<td>Bia&#39;s</td>" in shown and "<here>" not in shown and "<Ana>" not in shown
    for protocol in ("SD-1", "SD-2", "SD-3"):
        assert f'<td><a href="/tickets/{protocol}" data-open>{protocol}</a></td>' in shown
    assert shown == _rows("en", items[:1]) + _rows("en", items[1:2]) + _rows("en", items[2:])


def test_the_inbox_answer_read_for_the_page_draws_the_same_rows_as_the_whole_answer() -> None:
    """The gateway reads only the rows' fields from ticketing's answer
    (console/inbox_read.py): the rows drawn from it are those drawn from the whole JSON,
    and the fields it skips are not lost to what the page shows."""
    session = SessionRead(
        agent=AgentRead.model_validate(
            {
                "id": "ana",
                "name": "Ana",
                "email": "ana@example.com",
                "language": "en",
                "active": True,
                "levels": ["n1"],
                "teams": [],
            }
        ),
        expires_at=datetime(2026, 12, 2, tzinfo=UTC),
    )
    items = [
        _ticket(
            "SD-1",
            {"band": "red", "resolution": _clock(30, "red")},
            tags=["vip"],
            custom_fields={"order": "<42>"},
            contact={"name": "Bia"},
        ),
        _ticket("SD-2", None, assignee="Ana", level="n1", kind="comment"),
    ]
    answer = {
        "session": session.model_dump(mode="json"),
        "views": [],
        "view": None,
        "listing": {
            "items": items,
            "total": 2,
            "total_exact": True,
            "page": 1,
            "page_size": 50,
            "next_cursor": "abc",
        },
        "agents": [{"id": "ana", "name": "Ana", "active": True, "email": "ana@example.com"}],
        "priorities": ["urgent", "high"],
        "levels": ["n1"],
    }
    body = json.dumps(answer).encode()

    read = inbox_read(body)

    whole = json.loads(body)
    for language in ("en", "pt-BR"):
        assert _rows(language, list(read["listing"]["items"])) == _rows(
            language, whole["listing"]["items"]
        )
    assert read["session"] == session and read["agents"] == whole["agents"]
    assert read["listing"]["next_cursor"] == "abc" and read["listing"]["total"] == 2
