"""What moves a ticket's SLA clocks, through the whole system (issue 12): a reply that reaches
the network after it was written, the interactions a ticket collects from before it opened,
and every ticketing write reading the one clock the test moves. And where the clocks show:
views' pages and boards as the list, the list sorted by time left either way."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.people import agent, as_agent, level
from tests.support import create_rule, interaction, post, unique, wait_until
from tests.test_approvals import moderate
from tests.test_moderation import moderated
from tests.test_people import detail as person_detail
from tests.test_people import person_of
from tests.test_replies import Desk, page_comment_on
from tests.test_sla import THIRTY_MINUTES, Clock, listed, open_ticket, sla_level, ticket
from tests.test_sla import clock as clock
from tests.test_webhooks_meta import fake_meta as fake_meta
from tests.test_webhooks_meta import register


class SlaDesk:
    """An account, a level serving it with a 30-minute first response, and its agent."""

    def __init__(self, gateway: httpx.Client) -> None:
        self.gateway = gateway
        self.account = register(gateway, "facebook")
        self.level = level(gateway, accounts=[self.account["id"]], sla=THIRTY_MINUTES)
        self.agent = agent(gateway, levels=[self.level["name"]])
        self.session = as_agent(gateway, self.agent["id"])

    def stored(self, external_id: str) -> dict[str, Any]:
        def found() -> dict[str, Any] | None:
            items = self.gateway.get(
                "/v1/interactions", params={"account": self.account["id"], "page_size": 200}
            ).json()["items"]
            return next((i for i in items if i["interaction"]["external_id"] == external_id), None)

        return wait_until(found, timeout=30, what=f"interaction {external_id}")

    def ticket_for(self, external_id: str) -> dict[str, Any]:
        opened = self.gateway.post(
            "/v1/tickets",
            json={"interaction_id": self.stored(external_id)["id"], "level": self.level["name"]},
        )
        assert opened.status_code == 201, opened.text
        return opened.json()  # type: ignore[no-any-return]


def test_a_reply_sent_after_it_was_written_meets_first_response_at_its_sent_time(
    fake_meta: httpx.Client,
    gateway: httpx.Client,
) -> None:
    desk = SlaDesk(gateway)
    _, opened = page_comment_on(desk, fake_meta, "Meu pedido não chegou")  # type: ignore[arg-type]
    assert ticket(gateway, opened["id"])["sla"]["first_response"]["met_at"] is None

    answer = desk.session.post(
        f"/v1/tickets/{opened['id']}/replies", json={"text": f"Já vamos ver {unique('r')}"}
    )
    assert answer.status_code == 202, answer.text
    reply_id = answer.json()["id"]

    def sent() -> dict[str, Any] | None:
        detail = ticket(gateway, opened["id"])
        reply = next(i for i in detail["interactions"] if i["id"] == reply_id)
        first = detail["sla"]["first_response"]
        done = reply["delivery"]["state"] == "sent" and first["met_at"] is not None
        return {"reply": reply, "first": first} if done else None

    # Nothing else happens on the ticket: only the delivery's outcome can stop the clock.
    found = wait_until(sent, timeout=60, what="first response met by the sent reply")
    met_at = datetime.fromisoformat(found["first"]["met_at"])
    assert met_at == datetime.fromisoformat(found["reply"]["delivery"]["sent_at"])
    assert found["first"]["due"] is None and found["first"]["breached_at"] is None


def test_a_ticket_counts_from_the_first_customer_message_it_collects(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    # The level dates its tickets by the customer's message; the first message asks for no
    # ticket and waits, unticketed, until the second one's rule opens the conversation's.
    made = level(gateway, sla=THIRTY_MINUTES, opened_at_from_interaction=True)
    keyword = unique("collect")
    create_rule(
        gateway,
        {
            "name": keyword,
            "when": {"text_any": [keyword]},
            "then": {"open_ticket": {"level": made["name"]}},
        },
    )
    thread = unique("thread")
    hello = unique("hello")
    first = interaction(thread=thread, text=f"oi, alguém aí? {hello}", minutes=0)
    post(ingestor, first)
    wait_until(
        lambda: gateway.get("/v1/interactions", params={"text": hello}).json()["items"],
        what="the first message stored",
    )
    post(ingestor, interaction(thread=thread, text=f"preciso de ajuda {keyword}", minutes=15))

    opened = wait_until(lambda: listed(gateway, level=made["name"]), what="the ticket")[0]
    started = datetime.fromisoformat(first["occurred_at"])
    assert datetime.fromisoformat(opened["opened_at"]) == started
    detail = ticket(gateway, opened["id"])
    assert detail["interaction_count"] == 2
    due = datetime.fromisoformat(detail["sla"]["first_response"]["due"])
    assert due == started + timedelta(minutes=30)


def test_notes_lifecycle_and_assignment_are_dated_by_the_clock_the_test_moves(
    gateway: httpx.Client, ingestor: httpx.Client, clock: Clock
) -> None:
    made = sla_level(gateway)
    opened = open_ticket(gateway, ingestor, made["name"])
    holder = agent(gateway, levels=[made["name"]])  # after: the opening assigns nobody
    ref = opened["id"]
    clock.advance(timedelta(hours=6))
    ahead = datetime.now(UTC) + timedelta(hours=5)  # the moved clock, less a margin

    assert gateway.post(f"/v1/tickets/{ref}/notes", json={"text": "ligar amanhã"}).is_success
    assigned = gateway.post(f"/v1/tickets/{ref}/assign", json={"agent": holder["id"]})
    assert assigned.is_success, assigned.text
    child = gateway.post(f"/v1/tickets/{ref}/children", json={"title": "troca"})
    assert child.status_code == 201, child.text

    history = gateway.get(f"/v1/tickets/{ref}/history").json()
    [note] = [e for e in history if e["action"] == "note"]
    [assignment] = [
        e for e in history if e.get("field") == "assignee" and e.get("after") == holder["id"]
    ]
    for entry in (note, assignment):
        assert datetime.fromisoformat(entry["at"]) > ahead, entry
    assert datetime.fromisoformat(child.json()["opened_at"]) > ahead
    # The ticket's own clock moved with them: six hours without an answer is overdue.
    assert ticket(gateway, ref)["sla"]["first_response"]["band"] == "overdue"


def test_rule_shares_groups_and_people_are_dated_by_the_clock_the_test_moves(
    gateway: httpx.Client, ingestor: httpx.Client, clock: Clock
) -> None:
    made = sla_level(gateway)
    clock.advance(timedelta(hours=6))
    ahead = datetime.now(UTC) + timedelta(hours=5)  # the moved clock, less a margin

    keyword, author = unique("parecer"), unique("gil")
    create_rule(
        gateway,
        {
            "name": keyword,
            "when": {"text_any": [keyword]},
            "then": {
                "open_ticket": {"level": made["name"]},
                "share_emails": [f"{keyword}@example.com"],
            },
        },
    )
    thread = unique("thread")
    post(ingestor, interaction(thread=thread, author_id=author, text=f"ajuda {keyword}"))

    def shared() -> dict[str, Any] | None:
        found = [t for t in listed(gateway, level=made["name"]) if t["thread_key"].endswith(thread)]
        if not found:
            return None
        history = gateway.get(f"/v1/tickets/{found[0]['id']}/history").json()
        return next((e for e in history if e["action"] == "opinion_requested"), None)

    requested = wait_until(shared, what="the rule's opinion request")
    assert datetime.fromisoformat(requested["at"]) > ahead, requested

    group = gateway.post("/v1/groups", json={"name": unique("vip")})
    assert group.status_code == 201, group.text
    assert datetime.fromisoformat(group.json()["created_at"]) > ahead
    person = person_of(gateway, author)
    added = gateway.post(
        f"/v1/groups/{group.json()['name']}/members", json={"person": person["id"]}
    )
    assert added.status_code == 200, added.text
    [grouped] = [
        e for e in person_detail(gateway, person["id"])["history"] if e["action"] == "grouped"
    ]
    assert datetime.fromisoformat(grouped["at"]) > ahead, grouped


def test_approvals_moderation_canned_responses_views_and_exports_are_dated_by_the_moved_clock(
    fake_meta: httpx.Client,
    gateway: httpx.Client,
    clock: Clock,
) -> None:
    desk = Desk(gateway)
    approver = agent(gateway, levels=[desk.level["name"]])
    moderate(gateway, desk, approvers=[approver["id"]])
    comment_id, opened = page_comment_on(desk, fake_meta, "Cobraram duas vezes")  # type: ignore[arg-type]
    clock.advance(timedelta(hours=6))
    ahead = datetime.now(UTC) + timedelta(hours=5)  # the moved clock, less a margin

    held = desk.reply(opened, text=f"Vamos estornar {unique('r')}")
    assert held.status_code == 202, held.text
    reply_id = held.json()["id"]
    with as_agent(gateway, approver["id"]) as boss:
        rejected = boss.post(f"/v1/approvals/{reply_id}/reject", json={"reason": "sem prazo"})
        assert rejected.status_code == 200, rejected.text
        assert datetime.fromisoformat(rejected.json()["changed_at"]) > ahead
        again = desk.session.post(f"/v1/approvals/{reply_id}/resubmit", json={})
        assert again.status_code == 200, again.text
        assert datetime.fromisoformat(again.json()["changed_at"]) > ahead
        approved = boss.post(f"/v1/approvals/{reply_id}/approve")
        assert approved.status_code == 202, approved.text
    stored = desk.stored(comment_id)
    hidden = desk.session.post(f"/v1/interactions/{stored['id']}/hide")
    assert hidden.status_code == 202, hidden.text
    moderated(desk, stored["id"])

    history = gateway.get(f"/v1/tickets/{opened['id']}/history").json()
    dated = {
        "reply_rejected",
        "reply_resubmitted",
        "reply_approved",
        "moderation_requested",
        "moderation_done",
    }
    entries = [e for e in history if e["action"] in dated]
    assert {e["action"] for e in entries} == dated, history
    for entry in entries:
        assert datetime.fromisoformat(entry["at"]) > ahead, entry

    canned = desk.session.post(
        "/v1/canned-responses", json={"shortcut": unique("oi"), "text": "Olá!"}
    )
    assert canned.status_code == 201, canned.text
    assert datetime.fromisoformat(canned.json()["updated_at"]) > ahead
    view = gateway.post("/v1/views", json={"name": unique("view"), "filters": {}})
    assert view.status_code == 201, view.text
    assert datetime.fromisoformat(view.json()["created_at"]) > ahead
    export = gateway.get(f"/v1/tickets/{opened['protocol']}/export")
    assert export.status_code == 200, export.text
    assert datetime.fromisoformat(export.json()["exported_at"]) > ahead


def test_the_rules_service_receives_an_interaction_at_the_clock_the_test_moves(
    gateway: httpx.Client, ingestor: httpx.Client, clock: Clock
) -> None:
    clock.advance(timedelta(hours=6))
    ahead = datetime.now(UTC) + timedelta(hours=5)  # the moved clock, less a margin
    word = unique("recibo").replace("-", "")
    day = datetime(2031, 5, 5, 12, 0, tzinfo=UTC)  # far from the other tests' dates
    post(ingestor, interaction(thread=unique("post"), text=f"{word}?", occurred_at=day.isoformat()))
    window = {"from": day.isoformat(), "to": (day + timedelta(hours=1)).isoformat()}
    stored = {"occurred_from": window["from"], "occurred_to": window["to"], "text": word}
    wait_until(
        lambda: gateway.get("/v1/interactions", params=stored).json()["items"],
        timeout=60,
        what="the interaction triaged",
    )
    rule = create_rule(
        gateway,
        {"name": unique("recibo"), "when": {"text_any": [word]}, "then": {"add_tags": [word]}},
    )

    def matched() -> list[dict[str, Any]] | None:
        answer = gateway.post(f"/v1/rules/{rule['id']}/backtest", json=window)
        assert answer.status_code == 200, answer.text
        return answer.json()["matches"] or None  # type: ignore[no-any-return]

    # The rules' log dates the interaction by when the service received it.
    [match] = wait_until(matched, what="the interaction in the rules' log")
    assert datetime.fromisoformat(match["received_at"]) > ahead, match


def test_views_and_boards_show_the_clocks_and_the_time_left_sort_goes_both_ways(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    made = sla_level(gateway)
    older = open_ticket(gateway, ingestor, made["name"])
    newer = open_ticket(gateway, ingestor, made["name"])

    def by_due(order: str) -> list[str] | None:
        found = listed(gateway, level=made["name"], sort="sla_due", order=order)
        return [t["id"] for t in found] if len(found) == 2 else None

    # Both read by the scanner (the sort reads its due times).
    least_left_first = wait_until(lambda: by_due("desc"), what="both tickets read")
    assert least_left_first == [older["id"], newer["id"]]
    assert by_due("asc") == [newer["id"], older["id"]]

    view = gateway.post(
        "/v1/views", json={"name": unique("view"), "filters": {"level": [made["name"]]}}
    )
    assert view.status_code == 201, view.text
    view_id = view.json()["id"]
    page = gateway.get(f"/v1/views/{view_id}/tickets").json()["items"]
    assert {t["id"] for t in page} == {older["id"], newer["id"]}
    assert all(t["sla"]["first_response"]["target_minutes"] == 30 for t in page)
    board = gateway.get(f"/v1/views/{view_id}/board").json()
    carded = [t for column in board["columns"] for t in column["items"]]
    assert {t["id"] for t in carded} == {older["id"], newer["id"]}
    assert all(t["sla"]["band"] in ("green", "yellow", "red", "overdue") for t in carded)


def test_the_volume_report_splits_unresolved_tickets_by_their_band_now(
    gateway: httpx.Client,
    ingestor: httpx.Client,
    clock: Clock,
) -> None:
    made = sla_level(gateway)
    reader = as_agent(gateway, agent(gateway, levels=[made["name"]])["id"])  # this level only
    opened = [open_ticket(gateway, ingestor, made["name"]) for _ in range(3)]
    waiting = opened[0]["id"]
    assert gateway.patch(f"/v1/tickets/{waiting}", json={"status": "pending"}).is_success
    today = datetime.now(UTC).date().isoformat()

    def split() -> dict[str, int]:
        answer = reader.get(
            "/v1/reports/volume", params={"since": today, "until": today, "split": "sla_band"}
        )
        assert answer.status_code == 200, answer.text
        [period] = answer.json()["periods"]
        return period["values"]  # type: ignore[no-any-return]

    # Just opened with 30 minutes each: all green (the pending one too, its clock paused).
    wait_until(lambda: split() == {"green": 3}, timeout=60, what="three green tickets")
    clock.advance(timedelta(minutes=25))
    # 25 of 30 minutes used on the two running clocks: red; the paused one stays green.
    wait_until(lambda: split().get("red") == 2, timeout=60, what="the bands moved with time")
    assert split() == {"red": 2, "green": 1}

    times = reader.get(
        "/v1/reports/times", params={"since": today, "until": today, "split": "sla_band"}
    )
    assert times.status_code == 422, times.text
