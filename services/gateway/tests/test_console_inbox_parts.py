"""The inbox's views, filter form and bulk form's fields, drawn once per input and kept
(console/inbox_parts.py): an agent sees them in their own language, with the desk's agents
and levels as they are now and what they chose, every value written as text, never markup."""

from __future__ import annotations

from typing import Any

from contracts.rules import TICKET_STATUSES
from contracts.views import ViewRead
from gateway.console import inbox_parts
from gateway.routes.console_inbox import CHOICES, SORTS

VOCABULARY = {"priorities": ["urgent", "normal"], "levels": ["support", "vip & co"]}


def _form(language: str, agents: list[dict[str, Any]], **values: Any) -> str:
    chosen: dict[str, Any] = {
        "status": [],
        "priority": [],
        "level": [],
        "sla_band": [],
        "channel": [],
        "scope": [],
        "kind": [],
        "direction": [],
        "assignee": [],
        "tag": [],
        "team": "",
        "account": "",
        "group": "",
        "text": "",
        "protocol": "",
        "opened_from": "",
        "opened_to": "",
        "updated_from": "",
        "updated_to": "",
        "overdue": False,
        **values,
    }
    return str(
        inbox_parts.filter_form(
            language,
            values=chosen,
            vocabulary=VOCABULARY,
            agents=agents,
            agent_id="ana",
            statuses=TICKET_STATUSES,
            choices=CHOICES,
            sorts=SORTS,
            sort="updated",
            order="desc",
        )
    )


def test_the_filter_form_follows_the_language_the_agents_and_what_was_chosen() -> None:
    agents = [{"id": "ana", "name": "Ana"}, {"id": "bia", "name": "Bia <b>"}]
    english = _form("en", agents)
    assert english == _form("en", agents)
    assert english != _form("pt-BR", agents)
    assert "Bia &lt;b&gt;" in english and "<b>" not in english
    assert '<option value="vip &amp; co">vip &amp; co</option>' in english
    renamed = _form("en", [agents[0], {"id": "bia", "name": "Beatriz"}])
    assert "Beatriz" in renamed and "Bia" not in renamed
    chosen = _form("en", agents, level=["vip & co"], text='a "quote"')
    assert '<option value="vip &amp; co" selected>' in chosen
    assert 'value="a &#34;quote&#34;"' in chosen


def test_the_bulk_fields_and_the_views_follow_their_inputs() -> None:
    agents = [{"id": "ana", "name": "Ana"}]
    fields = str(
        inbox_parts.bulk_fields(
            "pt-BR", vocabulary=VOCABULARY, agents=agents, statuses=TICKET_STATUSES
        )
    )
    more = str(
        inbox_parts.bulk_fields(
            "pt-BR",
            vocabulary={**VOCABULARY, "levels": ["support"]},
            agents=agents,
            statuses=TICKET_STATUSES,
        )
    )
    assert "vip &amp; co" in fields and "vip" not in more
    view = ViewRead.model_validate(
        {
            "id": "v1",
            "name": "Mine <i>",
            "filters": {},
            "sort": "updated",
            "order": "desc",
            "owner": "ana",
            "created_at": "2026-12-01T00:00:00Z",
        }
    )
    plain = str(inbox_parts.views_nav("en", [view], None))
    current = str(inbox_parts.views_nav("en", [view], view))
    assert "Mine &lt;i&gt;" in plain and 'aria-current="page"' not in plain
    assert 'aria-current="page"' in current
    renamed = str(inbox_parts.views_nav("en", [view.model_copy(update={"name": "Other"})], None))
    assert "Other" in renamed and "Mine" not in renamed


def test_the_parts_kept_are_bounded() -> None:
    for n in range(inbox_parts.KEPT + 20):
        _form("en", [{"id": f"agent-{n}", "name": f"Agent {n}"}])
    assert len(inbox_parts._filters._parts) == inbox_parts.KEPT
