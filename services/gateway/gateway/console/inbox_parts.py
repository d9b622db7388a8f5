"""The inbox's parts that depend only on the agent's language, the desk's vocabulary and
agents, and the query: the views, the filter form and the bulk form's fields. Drawn by their
templates (autoescaped like the page), each kept in a small LRU keyed by exactly the inputs
it was drawn from, so a page drawn again with the same inputs escapes no value of them: they
were ~250 escaped values a page outside the rows, most of its render but the rows
(2026-12-01)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any

from markupsafe import Markup

from contracts.views import ViewRead
from gateway.console import i18n
from gateway.console.render import templates

KEPT = 128
"""Drawn parts kept per kind: a desk's agents share a few languages and vocabularies, and
most inbox pages are a view or no filter at all."""


class _Kept:
    def __init__(self, size: int = KEPT) -> None:
        self._size = size
        self._parts: OrderedDict[Hashable, Markup] = OrderedDict()

    def get(self, key: Hashable, draw: Callable[[], str]) -> Markup:
        part = self._parts.get(key)
        if part is not None:
            self._parts.move_to_end(key)
            return part
        part = Markup(draw())
        self._parts[key] = part
        if len(self._parts) > self._size:
            self._parts.popitem(last=False)
        return part


_views = _Kept()
_filters = _Kept()
_bulk = _Kept()


def _draw(name: str, language: str, **context: Any) -> str:
    return templates.get_template(name).render(
        t=i18n.translator(language), w=i18n.words(language), **context
    )


def _people(agents: Sequence[Mapping[str, Any]]) -> tuple[tuple[Any, Any], ...]:
    return tuple((a["id"], a["name"]) for a in agents)


def views_nav(language: str, views: Sequence[ViewRead], current: ViewRead | None) -> Markup:
    """The sidebar's views (``_views_nav.html.j2``)."""
    key = (
        language,
        current.id if current is not None else None,
        tuple(
            (v.id, v.name, v.count, v.count_exact, v.builtin, bool(v.shared_with)) for v in views
        ),
    )
    return _views.get(
        key, lambda: _draw("_views_nav.html.j2", language, views=views, current=current)
    )


def filter_form(
    language: str,
    *,
    values: Mapping[str, Any],
    vocabulary: Mapping[str, Sequence[str]],
    agents: Sequence[Mapping[str, Any]],
    agent_id: str,
    statuses: Sequence[str],
    choices: Mapping[str, Sequence[str]],
    sorts: Sequence[str],
    sort: str,
    order: str,
) -> Markup:
    """The filter form (``_filter_form.html.j2``)."""
    key = (
        language,
        tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in values.items()),
        tuple(vocabulary["priorities"]),
        tuple(vocabulary["levels"]),
        _people(agents),
        agent_id,
        tuple(statuses),
        tuple((k, tuple(v)) for k, v in choices.items()),
        tuple(sorts),
        sort,
        order,
    )
    return _filters.get(
        key,
        lambda: _draw(
            "_filter_form.html.j2",
            language,
            values=values,
            vocabulary=vocabulary,
            agents=agents,
            agent={"id": agent_id},
            statuses=statuses,
            choices=choices,
            sorts=sorts,
            sort=sort,
            order=order,
        ),
    )


def bulk_fields(
    language: str,
    *,
    vocabulary: Mapping[str, Sequence[str]],
    agents: Sequence[Mapping[str, Any]],
    statuses: Sequence[str],
) -> Markup:
    """The bulk form's fields (``_bulk_fields.html.j2``)."""
    key = (
        language,
        tuple(vocabulary["priorities"]),
        tuple(vocabulary["levels"]),
        _people(agents),
        tuple(statuses),
    )
    return _bulk.get(
        key,
        lambda: _draw(
            "_bulk_fields.html.j2",
            language,
            vocabulary=vocabulary,
            agents=agents,
            statuses=statuses,
        ),
    )
