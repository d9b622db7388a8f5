"""Assignment through the gateway: by hand, by rule, to the most available agent of a level,
at random in a team; the agent is told by e-mail, and told again when the ticket becomes
urgent."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from devtools.launcher import Stack
from tests.people import agent, level, team
from tests.support import (
    create_rule,
    interaction,
    mails_to,
    post,
    reasons,
    tickets_of_thread,
    unique,
    wait_until,
)


def ticket_for(gateway: httpx.Client, ingestor: httpx.Client, **rule_ticket: Any) -> dict:
    """A ticket opened by a rule whose ``open_ticket`` is ``rule_ticket``."""
    keyword = unique("kw")
    create_rule(
        gateway,
        {"name": keyword, "when": {"text_any": [keyword]}, "then": {"open_ticket": rule_ticket}},
    )
    thread = unique("post")
    post(ingestor, interaction(thread=thread, text=f"help {keyword}"))
    [ticket] = wait_until(lambda: tickets_of_thread(gateway, thread), what="the ticket")
    return ticket


def test_two_tickets_arriving_together_at_a_level_go_to_its_two_idle_agents(
    stack: Stack, gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    legal = level(gateway)
    ana, bia = agent(gateway, levels=[legal["name"]]), agent(gateway, levels=[legal["name"]])
    keyword = unique("together")
    create_rule(
        gateway,
        {
            "name": keyword,
            "when": {"text_any": [keyword]},
            "then": {"open_ticket": {"level": legal["name"]}},
        },
    )
    threads = [unique("post"), unique("post")]

    post(ingestor, [interaction(thread=t, text=f"{keyword}!") for t in threads])

    opened = [
        wait_until(lambda t=t: tickets_of_thread(gateway, t), what="the ticket")[0] for t in threads
    ]
    assert sorted(t["assignee"] for t in opened) == sorted([ana["id"], bia["id"]])
    for someone in (ana, bia):
        [mail] = wait_until(lambda a=someone: mails_to(stack.mail_dir, a["email"]), what="mail")
        assert any(t["protocol"] in mail["Subject"] for t in opened)


def test_a_rule_targeting_a_level_picks_the_agent_with_fewest_open_tickets(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    legal = level(gateway)
    busy, idle = agent(gateway, levels=[legal["name"]]), agent(gateway, levels=[legal["name"]])
    first = ticket_for(gateway, ingestor, level=legal["name"], assignee=busy["id"])
    assert first["assignee"] == busy["id"]

    second = ticket_for(gateway, ingestor, level=legal["name"])

    assert second["assignee"] == idle["id"]
    history = gateway.get(f"/v1/tickets/{second['id']}/history").json()
    [assigned] = [h for h in history if h["field"] == "assignee"]
    assert assigned["detail"]["how"] == "most_available"
    assert assigned["actor"].startswith("rule:")


def test_a_rule_targeting_a_team_assigns_one_of_its_active_agents(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    night = team(gateway)
    member = agent(gateway, teams=[night["name"]])
    agent(gateway, teams=[night["name"]], active=False)

    ticket = ticket_for(gateway, ingestor, team=night["name"])

    assert (ticket["assignee"], ticket["team"]) == (member["id"], night["name"])


def test_assigning_by_hand_tells_the_agent_by_email(
    stack: Stack, gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    ticket = ticket_for(gateway, ingestor)
    ana = agent(gateway)

    response = gateway.patch(f"/v1/tickets/{ticket['id']}", json={"assignee": ana["id"]})

    assert response.status_code == 200, response.text
    [mail] = wait_until(lambda: mails_to(stack.mail_dir, ana["email"]), what="the mail")
    assert ticket["protocol"] in mail["Subject"]


def test_assigning_to_someone_who_is_not_an_agent_is_refused(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    ticket = ticket_for(gateway, ingestor)
    response = gateway.patch(f"/v1/tickets/{ticket['id']}", json={"assignee": unique("nobody")})
    assert response.status_code == 422
    assert "no agent" in reasons(response)


def test_handing_a_ticket_to_an_inactive_agent_or_a_missing_level_is_refused(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    ticket = ticket_for(gateway, ingestor)
    gone = agent(gateway, active=False)
    url = f"/v1/tickets/{ticket['id']}"

    inactive = gateway.patch(url, json={"assignee": gone["id"]})
    missing = gateway.patch(url, json={"level": unique("nowhere")})

    assert (inactive.status_code, missing.status_code) == (422, 422)
    assert "inactive" in reasons(inactive)
    assert "no level" in reasons(missing)


def test_moving_a_ticket_to_a_level_gives_it_to_that_levels_agent(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    ticket = ticket_for(gateway, ingestor)
    legal = level(gateway)
    ana = agent(gateway, levels=[legal["name"]])

    moved = gateway.patch(f"/v1/tickets/{ticket['id']}", json={"level": legal["name"]})

    assert moved.status_code == 200, moved.text
    assert (moved.json()["level"], moved.json()["assignee"]) == (legal["name"], ana["id"])


def test_random_assignment_picks_an_active_agent_of_the_team(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    ticket = ticket_for(gateway, ingestor)
    night = team(gateway)
    members = {agent(gateway, teams=[night["name"]])["id"] for _ in range(3)}

    response = gateway.post(
        f"/v1/tickets/{ticket['id']}/assign", json={"strategy": "random", "team": night["name"]}
    )

    assert response.status_code == 200, response.text
    assert response.json()["assignee"] in members


def test_assigning_from_a_level_without_active_agents_is_a_conflict(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    empty = level(gateway)
    ticket = ticket_for(gateway, ingestor, level=empty["name"])
    response = gateway.post(f"/v1/tickets/{ticket['id']}/assign", json={"strategy": "random"})
    assert response.status_code == 409
    assert "no active agent" in response.json()["detail"]


def test_the_assignee_is_told_when_the_ticket_becomes_urgent(
    stack: Stack, gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    ana = agent(gateway)
    ticket = ticket_for(gateway, ingestor, assignee=ana["id"], priority="low")
    wait_until(lambda: mails_to(stack.mail_dir, ana["email"]), what="the assignment mail")

    gateway.patch(f"/v1/tickets/{ticket['id']}", json={"priority": "urgent"}).raise_for_status()

    wait_until(lambda: len(mails_to(stack.mail_dir, ana["email"])) == 2, what="the escalation mail")


def test_the_assignee_is_told_when_a_rule_makes_a_follow_up_urgent(
    stack: Stack, gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    ana = agent(gateway)
    opening, urgent = unique("kw"), unique("kw")
    create_rule(
        gateway,
        {
            "name": opening,
            "when": {"text_any": [opening]},
            "then": {"open_ticket": {"assignee": ana["id"], "priority": "low"}},
        },
    )
    create_rule(
        gateway,
        {"name": urgent, "when": {"text_any": [urgent]}, "then": {"set_priority": "urgent"}},
    )
    thread = unique("post")
    post(ingestor, interaction(thread=thread, text=opening))
    wait_until(lambda: mails_to(stack.mail_dir, ana["email"]), what="the assignment mail")

    post(ingestor, interaction(thread=thread, text=f"{urgent}!", minutes=1))

    wait_until(lambda: len(mails_to(stack.mail_dir, ana["email"])) == 2, what="the escalation mail")
    [ticket] = tickets_of_thread(gateway, thread)
    assert ticket["priority"] == "urgent"


def test_two_tickets_moved_together_to_a_level_go_to_its_two_idle_agents(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    moving = [ticket_for(gateway, ingestor), ticket_for(gateway, ingestor)]
    legal = level(gateway)
    ana, bia = agent(gateway, levels=[legal["name"]]), agent(gateway, levels=[legal["name"]])

    with ThreadPoolExecutor(max_workers=2) as pool:
        moved = list(
            pool.map(
                lambda t: gateway.patch(f"/v1/tickets/{t['id']}", json={"level": legal["name"]}),
                moving,
            )
        )

    assert [m.status_code for m in moved] == [200, 200]
    assert sorted(m.json()["assignee"] for m in moved) == sorted([ana["id"], bia["id"]])
