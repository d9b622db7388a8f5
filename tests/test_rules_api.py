"""The rule language through the gateway and the real bus: refusals in plain words, dry runs,
the audit trail, and richer rules deciding real tickets whose history says why."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests import people
from tests.support import create_rule, interaction, post, tickets_of_thread, unique, wait_until


def refusal(gateway: httpx.Client, rule: dict[str, Any]) -> str:
    response = gateway.post("/v1/rules", json=rule)
    assert response.status_code == 422, response.text
    return response.text


@pytest.mark.parametrize(
    ("when", "message"),
    [
        ({"text_anyy": ["anatel"]}, "did you mean 'text_any'"),
        ({"text_regex": ["(procon"]}, "the regular expression '(procon' is not valid"),
        ({"any_of": [{}]}, "a condition group is empty"),
        ({"text_regex": ["(a+)+$"]}, "can take very long on some texts"),
        ({"text_expression": "anatel AND (procon"}, "the '(' at character 12 is never closed"),
        ({"text_expression": "anatel OR"}, "ends where a word or phrase was expected"),
    ],
)
def test_invalid_rules_are_refused_with_a_message_a_person_understands(
    gateway: httpx.Client, when: dict[str, Any], message: str
) -> None:
    name = unique("invalid")
    assert message in refusal(gateway, {"name": name, "when": when, "then": {}})
    assert name not in [r["name"] for r in gateway.get("/v1/rules").json()["items"]]


def test_a_rule_ending_before_it_starts_is_refused(gateway: httpx.Client) -> None:
    text = refusal(
        gateway,
        {
            "name": unique("dates"),
            "then": {},
            "starts_at": "2026-12-01T00:00:00Z",
            "ends_at": "2026-11-01T00:00:00Z",
        },
    )
    assert "the rule ends before it starts" in text


def test_dry_run_says_whether_and_why_a_draft_matches_and_creates_nothing(
    gateway: httpx.Client,
) -> None:
    name = unique("draft")
    draft = {
        "name": name,
        "active": False,
        "when": {"text_expression": "anatel OR procon AND NOT elogio", "channels": ["facebook"]},
        "then": {
            "open_ticket": {"priority": "urgent", "title_template": "Legal: $author_name"},
            "add_tags": ["legal"],
            "auto_reply": {"template": "Olá $author_name, estamos vendo."},
        },
    }
    sample = interaction(thread=unique("post"), text="Vou reclamar na ANATÉL")
    response = gateway.post("/v1/rules/test", json={"rule": draft, "interaction": sample})
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["matched"] is True
    assert result["reasons"] == [
        "channel is facebook",
        "text satisfies 'anatel OR procon AND NOT elogio' (found 'anatel')",
    ]
    assert result["decision"]["open_ticket"]["priority"] == "urgent"
    assert result["decision"]["ticket_title"] == "Legal: Maria Souza"
    assert result["decision"]["tags"] == ["legal"]
    assert [r["text"] for r in result["decision"]["auto_replies"]] == [
        "Olá Maria Souza, estamos vendo."
    ]

    praise = {**sample, "text": "procon? não, é um elogio"}
    missed = gateway.post("/v1/rules/test", json={"rule": draft, "interaction": praise}).json()
    assert (missed["matched"], missed["decision"]["matched"]) == (False, [])
    assert name not in [r["name"] for r in gateway.get("/v1/rules").json()["items"]]


def test_dry_run_refuses_an_unreadable_draft(gateway: httpx.Client) -> None:
    draft = {"name": "d", "when": {"text_expression": '"procon'}, "then": {}}
    sample = interaction(thread=unique("post"), text="procon")
    response = gateway.post("/v1/rules/test", json={"rule": draft, "interaction": sample})
    assert response.status_code == 422
    assert "the quote at character 1 is never closed" in response.text


def test_rule_history_records_who_changed_what_and_when(gateway: httpx.Client) -> None:
    first = {"name": unique("audited"), "when": {"text_any": ["x"]}, "then": {"add_tags": ["a"]}}
    rule = create_rule(gateway, first)
    second = {**first, "when": {"text_any": ["y"]}, "order": 3}
    assert gateway.put(f"/v1/rules/{rule['id']}", json=second).status_code == 200
    assert gateway.delete(f"/v1/rules/{rule['id']}").status_code == 204

    response = gateway.get(f"/v1/rules/{rule['id']}/history")
    assert response.status_code == 200, response.text
    changes = response.json()["items"]
    assert [(c["action"], c["version"], c["actor"]) for c in changes] == [
        ("created", 1, "admin"),
        ("replaced", 2, "admin"),
        ("deleted", 2, "admin"),
    ]
    assert changes[1]["before"]["when"]["text_any"] == ["x"]
    assert changes[1]["after"]["when"]["text_any"] == ["y"]
    assert changes[1]["after"]["order"] == 3
    assert changes[2]["after"] is None


def test_history_of_a_rule_that_never_existed_is_404(gateway: httpx.Client) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    assert gateway.get(f"/v1/rules/{missing}/history").status_code == 404


def test_expression_and_filters_decide_a_real_ticket_whose_history_says_why(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    word = unique("defeito").replace("-", "")
    create_rule(
        gateway,
        {
            "name": unique("expression"),
            "order": -100,
            "when": {
                "text_expression": f'"não funciona" AND {word} AND NOT elogio',
                "authors": "users",
                "followers_min": 1000,
            },
            "then": {"open_ticket": {"priority": "high"}, "add_tags": [word]},
        },
    )
    thread, ignored = unique("post"), unique("post")
    base = {"author": {"id": "u9", "name": "Rita", "followers": 5000}}
    post(
        ingestor, {**interaction(thread=thread, text=f"O app NÃO funciona, {word.upper()}"), **base}
    )
    post(ingestor, {**interaction(thread=ignored, text=f"não funciona {word}, elogio"), **base})

    [ticket] = wait_until(lambda: tickets_of_thread(gateway, thread), what="the ticket")
    assert ticket["priority"] == "high" and word in ticket["tags"]
    history = gateway.get(f"/v1/tickets/{ticket['id']}/history").json()
    [fired] = history[0]["detail"]["rules"]
    assert fired["reasons"] == [
        "written by a user",
        "follower count 5000 is within 1000–…",
        f"text satisfies '\"não funciona\" AND {word} AND NOT elogio' "
        f"(found '{word}', 'nao funciona')",
    ]
    assert tickets_of_thread(gateway, ignored) == []


def test_agents_read_and_try_rules_but_only_admins_change_them(gateway: httpx.Client) -> None:
    rule = create_rule(
        gateway, {"name": unique("admin only"), "when": {"text_any": ["x"]}, "then": {}}
    )
    draft = {"name": unique("by an agent"), "when": {"text_any": ["y"]}, "then": {}}
    with people.as_agent(gateway, people.agent(gateway)["id"]) as agent:
        assert agent.get("/v1/rules").status_code == 200
        assert agent.get(f"/v1/rules/{rule['id']}/history").status_code == 200
        created = agent.post("/v1/rules", json=draft)
        replaced = agent.put(f"/v1/rules/{rule['id']}", json=draft)
        deleted = agent.delete(f"/v1/rules/{rule['id']}")
    assert [created.status_code, replaced.status_code, deleted.status_code] == [403, 403, 403]
    assert gateway.get(f"/v1/rules/{rule['id']}").json()["version"] == 1
