"""Two administrators editing the same level, calendar, agent or team: the API answers each
record's revision (field and ETag), and a replacement that names the revision it read is
refused with 409 once someone else has saved the record, so nothing they saved is undone. A
replacement that names none writes over whatever is there, as it always did."""

from __future__ import annotations

from typing import Any

import httpx

from tests.people import agent, level, team
from tests.support import unique
from tests.test_accounts import new_account
from tests.test_calendars import calendar


def settings_of(record: dict[str, Any]) -> dict[str, Any]:
    """A level's or team's read without what only a read has (its agents, its revision)."""
    return {k: v for k, v in record.items() if k not in ("agents", "revision")}


def test_a_level_is_read_with_its_revision_as_the_etag(gateway: httpx.Client) -> None:
    created = level(gateway)
    read = gateway.get(f"/v1/levels/{created['name']}")
    assert created["revision"] == 1
    assert read.json()["revision"] == 1
    assert read.headers["ETag"] == '"1"'


def test_a_level_saved_over_someone_elses_newer_save_is_refused_and_theirs_is_kept(
    gateway: httpx.Client,
) -> None:
    created = level(gateway)
    path = f"/v1/levels/{created['name']}"
    read_by_both = gateway.get(path)
    etag = read_by_both.headers["ETag"]
    theirs = gateway.put(
        path,
        json={**settings_of(read_by_both.json()), "auto_close_after_hours": 48},
        headers={"If-Match": etag},
    )
    assert theirs.status_code == 200, theirs.text
    assert theirs.headers["ETag"] == '"2"'

    mine = gateway.put(
        path,
        json={**settings_of(read_by_both.json()), "moderation_required": True},
        headers={"If-Match": etag},
    )

    assert mine.status_code == 409, mine.text
    assert "changed by someone else" in mine.json()["detail"]
    now = gateway.get(path).json()
    assert now["auto_close_after_hours"] == 48
    assert now["moderation_required"] is False
    assert now["revision"] == 2


def test_a_level_sent_back_with_the_revision_it_was_read_at_is_saved_once(
    gateway: httpx.Client,
) -> None:
    created = level(gateway)
    path = f"/v1/levels/{created['name']}"
    read = {k: v for k, v in gateway.get(path).json().items() if k != "agents"}
    first = gateway.put(path, json={**read, "auto_close_after_hours": 24})
    again = gateway.put(path, json={**read, "auto_close_after_hours": 12})
    assert first.status_code == 200, first.text
    assert first.json()["revision"] == 2
    assert again.status_code == 409, again.text
    assert gateway.get(path).json()["auto_close_after_hours"] == 24


def test_a_replacement_without_a_revision_writes_as_before(gateway: httpx.Client) -> None:
    created = level(gateway)
    path = f"/v1/levels/{created['name']}"
    for hours in (24, 12):
        saved = gateway.put(path, json={**settings_of(created), "auto_close_after_hours": hours})
        assert saved.status_code == 200, saved.text
    assert gateway.get(path).json() | {"agents": []} == {
        **created,
        "auto_close_after_hours": 12,
        "revision": 3,
        "agents": [],
    }


def test_a_calendar_saved_over_a_newer_one_is_refused(gateway: httpx.Client) -> None:
    created = calendar(gateway)
    path = f"/v1/calendars/{created['name']}"
    etag = gateway.get(path).headers["ETag"]
    body = {k: v for k, v in created.items() if k != "revision"}
    assert gateway.put(
        path, json={**body, "timezone": "UTC"}, headers={"If-Match": etag}
    ).is_success
    refused = gateway.put(
        path, json={**body, "timezone": "Europe/Lisbon"}, headers={"If-Match": etag}
    )
    assert refused.status_code == 409, refused.text
    assert gateway.get(path).json()["timezone"] == "UTC"


def test_agents_and_teams_are_refused_over_a_newer_save_too(gateway: httpx.Client) -> None:
    ana = agent(gateway)
    night = team(gateway)
    for path, record, change in (
        (f"/v1/agents/{ana['id']}", ana, {"name": "Ana Maria"}),
        (f"/v1/teams/{night['name']}", night, {"description": "22h-6h"}),
    ):
        body = {k: v for k, v in record.items() if k not in ("agents", "revision")}
        assert gateway.put(path, json={**body, **change}, headers={"If-Match": '"1"'}).is_success
        refused = gateway.put(path, json=body, headers={"If-Match": '"1"'})
        assert refused.status_code == 409, refused.text
        assert gateway.get(path).json().items() >= change.items()


def test_an_if_match_that_names_no_revision_is_refused(gateway: httpx.Client) -> None:
    created = level(gateway)
    refused = gateway.put(
        f"/v1/levels/{created['name']}",
        json=settings_of(created),
        headers={"If-Match": '"not-a-revision"'},
    )
    assert refused.status_code == 409, refused.text


def test_a_canned_response_saved_over_a_newer_one_is_refused_and_keeps_its_shortcut(
    gateway: httpx.Client,
) -> None:
    shortcut = unique("thanks").replace("-", "")
    made = gateway.post(
        "/v1/canned-responses",
        json={"shortcut": shortcut, "title": "Thanks", "text": "Obrigado!", "scope": "global"},
    )
    assert made.status_code == 201, made.text
    path = f"/v1/canned-responses/{made.json()['id']}"
    read = gateway.get(path)
    assert read.json()["revision"] == 1
    assert read.headers["ETag"] == '"1"'
    body = {"shortcut": shortcut, "title": "Thanks", "scope": "global"}
    theirs = gateway.put(path, json={**body, "text": "Muito obrigado!", "revision": 1})
    assert theirs.status_code == 200, theirs.text
    moved = f"{shortcut}2"
    mine = gateway.put(
        path, json={**body, "shortcut": moved, "text": "Valeu!"}, headers={"If-Match": '"1"'}
    )
    assert mine.status_code == 409, mine.text
    now = gateway.get(path).json()
    assert (now["shortcut"], now["text"], now["revision"]) == (shortcut, "Muito obrigado!", 2)
    other = gateway.post(
        "/v1/canned-responses",
        json={"shortcut": moved, "title": "Other", "text": "Oi", "scope": "global"},
    )
    assert other.status_code == 201, other.text


def test_an_account_saved_over_a_newer_save_is_refused(gateway: httpx.Client) -> None:
    body = new_account()
    assert gateway.post("/v1/accounts", json=body).status_code == 201
    path = f"/v1/accounts/{body['id']}"
    read = gateway.get(path)
    assert read.json()["revision"] == 1
    etag = read.headers["ETag"]
    fields = {k: body[k] for k in ("channel", "network_id")}
    theirs = gateway.put(path, json={**fields, "name": "Theirs"}, headers={"If-Match": etag})
    assert theirs.status_code == 200, theirs.text
    assert theirs.headers["ETag"] == '"2"'
    mine = gateway.put(path, json={**fields, "name": "Mine"}, headers={"If-Match": etag})
    assert mine.status_code == 409, mine.text
    assert gateway.get(path).json()["name"] == "Theirs"
    anyway = gateway.put(path, json={**fields, "name": "Mine"})
    assert anyway.status_code == 200, anyway.text
    assert anyway.json()["revision"] == 3
