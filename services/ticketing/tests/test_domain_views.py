"""The views every desk has: one per level the agent sees, "Mine" as the agent asking, and
the urgent view at the scale's highest priority, however often they are asked for."""

from __future__ import annotations

from ticketing.domain import views


def test_the_builtin_views_follow_the_agent_and_the_levels_they_see() -> None:
    ana = views.builtins(caller="ana", levels=["n1"], highest_priority="urgent")
    asked_again = views.builtins(caller="ana", levels=["n1", "n2"], highest_priority="urgent")
    bia = views.builtins(caller="bia", levels=["n1"], highest_priority="critical")

    assert {v.id for v in asked_again} - {v.id for v in ana} == {"builtin:level:n2"}
    mine = {v.id: v for v in bia}["builtin:mine"]
    assert mine.filters.assignee == ["bia"]
    assert {v.id: v for v in bia}["builtin:urgent"].filters.priority == ["critical"]


def test_a_list_of_builtin_views_is_the_callers_own_to_change() -> None:
    first = views.builtins(caller="ana", levels=["n1"], highest_priority="urgent")
    first.clear()
    assert views.builtins(caller="ana", levels=["n1"], highest_priority="urgent") != []
