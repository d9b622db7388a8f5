"""A save refused because another administrator saved the record since the form was shown,
as the console's pages say it: in the administrator's language, the other refusals as the
service gave them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from contracts.credentials import SessionRead
from contracts.people import AgentRead
from contracts.rpc import STALE_REVISION, RpcError
from gateway.console.admin_calls import form_revision, read_at, shown
from gateway.console.calls import Refused


def signed_in(language: str) -> SessionRead:
    agent = AgentRead(
        id="ana", name="Ana", language=language, active=True, levels=[], teams=[], admin=True
    )
    return SessionRead(agent=agent, expires_at=datetime(2026, 12, 2, tzinfo=UTC))


STALE = Refused(RpcError(status=409, code=STALE_REVISION, detail="the level 'N1' was changed"))


@pytest.mark.parametrize(
    ("language", "said"),
    [("pt-BR", "Outra pessoa salvou isto"), ("en", "Someone else saved this")],
)
def test_a_save_after_someone_elses_is_said_in_the_admins_language(
    language: str, said: str
) -> None:
    refusal = shown(STALE, signed_in(language))
    assert refusal.status == 409
    assert refusal.detail.startswith(said)


def test_other_refusals_are_shown_as_the_service_gave_them() -> None:
    taken = Refused(RpcError(status=409, code="conflict", detail="a level named 'N1' exists"))
    assert shown(taken, signed_in("pt-BR")) is taken


def test_the_form_s_revision_comes_first_and_the_record_just_read_stands_in() -> None:
    assert form_revision({"revision": "4"}) == 4
    assert form_revision({"revision": ""}) is None
    assert read_at({"revision": "4"}, {"revision": 7}) == 4
    assert read_at({}, {"revision": 7}) == 7
    assert read_at({}, {}) == 0
