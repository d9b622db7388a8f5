"""Opinion links: only the notifier can mint them, nobody can alter them, and they expire."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from notifier.domain import links

SECRET = "s3cret"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
GRANT = links.LinkGrant(uuid4(), uuid4(), NOW + timedelta(hours=72))


def test_a_link_names_its_request_and_ticket() -> None:
    grant = links.verify(SECRET, links.issue(SECRET, GRANT), now=NOW)
    assert (grant.request_id, grant.ticket_id) == (GRANT.request_id, GRANT.ticket_id)


def test_the_same_request_always_gets_the_same_link() -> None:
    assert links.issue(SECRET, GRANT) == links.issue(SECRET, GRANT)


@pytest.mark.parametrize("position", [0, 10, -5])
def test_a_changed_character_makes_the_link_invalid(position: int) -> None:
    token = links.issue(SECRET, GRANT)
    index = position % len(token)
    flipped = "A" if token[index] != "A" else "B"
    tampered = token[:index] + flipped + token[index + 1 :]
    with pytest.raises(links.LinkInvalid):
        links.verify(SECRET, tampered, now=NOW)


def test_a_link_pointing_at_another_request_is_invalid() -> None:
    signature = links.issue(SECRET, GRANT).split(".")[1]
    other_payload = links.issue(
        SECRET, links.LinkGrant(uuid4(), GRANT.ticket_id, GRANT.expires_at)
    ).split(".")[0]
    with pytest.raises(links.LinkInvalid):
        links.verify(SECRET, f"{other_payload}.{signature}", now=NOW)


def test_a_link_minted_with_another_secret_is_invalid() -> None:
    with pytest.raises(links.LinkInvalid):
        links.verify(SECRET, links.issue("guess", GRANT), now=NOW)


@pytest.mark.parametrize("garbage", ["", ".", "abc", "a.b.c", "x" * 2000])
def test_garbage_is_invalid(garbage: str) -> None:
    with pytest.raises(links.LinkInvalid):
        links.verify(SECRET, garbage, now=NOW)


def test_a_link_past_its_expiry_is_refused_as_expired() -> None:
    token = links.issue(SECRET, GRANT)
    with pytest.raises(links.LinkExpired, match="expired"):
        links.verify(SECRET, token, now=GRANT.expires_at)
