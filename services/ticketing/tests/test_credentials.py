"""Signing in (issue 14), on every store adapter: links set a password once and expire,
passwords are checked as argon2id hashes, sessions end on sign-out, on a reset and with the
agent's deactivation."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from contracts.credentials import AccessLinkRequest, PasswordSetting, SessionKey, SignInAttempt
from contracts.rpc import Caller
from servicekit import rpc
from ticketing.shared.access import Forbidden
from ticketing.store.port import TicketStore
from ticketing.usecases import credentials

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
ADMIN = Caller(id="admin", role="admin")
GATEWAY = Caller(id="console", role="system")
ANA = {
    "id": "ana",
    "name": "Ana",
    "email": "Ana@Example.com",
    "language": "pt-BR",
    "active": True,
    "levels": [],
    "teams": [],
}
PASSWORD = "correct horse battery"


async def invite(store: TicketStore, *, now: datetime = NOW) -> str:
    link = await credentials.issue_link(
        store=store,
        request=AccessLinkRequest(agent_id="ana", purpose="invite", ttl_minutes=60),
        caller=ADMIN,
        now=now,
    )
    return link.token


async def sign_in(store: TicketStore, password: str, session: str = "s" * 32) -> str:
    await credentials.open_session(
        store=store,
        attempt=SignInAttempt(
            email="ana@example.com", password=password, session=session, ttl_minutes=60
        ),
        caller=GATEWAY,
        now=NOW,
    )
    return session


async def set_password(store: TicketStore, token: str, *, now: datetime = NOW) -> None:
    await credentials.set_password(
        store=store,
        setting=PasswordSetting(token=token, password=PASSWORD),
        caller=GATEWAY,
        now=now,
    )


@pytest.fixture
async def desk(store: TicketStore) -> TicketStore:
    await store.create_entry("agent", "ana", ANA)
    return store


async def test_an_invited_agent_sets_a_password_and_signs_in_with_it(desk: TicketStore) -> None:
    await set_password(desk, await invite(desk))
    session = await sign_in(desk, PASSWORD)
    read = await credentials.read_session(
        store=desk, key=SessionKey(session=session), caller=GATEWAY, now=NOW
    )
    assert read.agent.id == "ana"
    stored = await desk.get_entry("credential", "ana")
    assert stored is not None and stored["password"].startswith("$argon2id$")
    assert PASSWORD not in str(stored)


async def test_a_wrong_password_and_an_unknown_address_get_the_same_refusal(
    desk: TicketStore,
) -> None:
    await set_password(desk, await invite(desk))
    with pytest.raises(credentials.SignInRefused) as wrong:
        await sign_in(desk, "not the password")
    with pytest.raises(credentials.SignInRefused) as unknown:
        await credentials.open_session(
            store=desk,
            attempt=SignInAttempt(
                email="nobody@example.com", password=PASSWORD, session="t" * 32, ttl_minutes=1
            ),
            caller=GATEWAY,
            now=NOW,
        )
    assert str(wrong.value) == str(unknown.value) == credentials.WRONG


async def test_a_link_works_once(desk: TicketStore) -> None:
    token = await invite(desk)
    await set_password(desk, token)
    with pytest.raises(credentials.LinkRefused):
        await set_password(desk, token)


async def test_a_link_expires_and_a_newer_one_replaces_it(desk: TicketStore) -> None:
    old = await invite(desk)
    with pytest.raises(credentials.LinkRefused):
        await set_password(desk, await invite(desk), now=NOW + timedelta(minutes=61))
    with pytest.raises(credentials.LinkRefused):
        await set_password(desk, old)


async def test_a_reset_for_an_unknown_address_finds_nothing_and_says_nothing(
    desk: TicketStore,
) -> None:
    link = await credentials.issue_link(
        store=desk,
        request=AccessLinkRequest(email="nobody@example.com", purpose="reset", ttl_minutes=60),
        caller=GATEWAY,
        now=NOW,
    )
    assert not link.found and link.token == ""


async def test_only_an_administrator_invites_and_agents_call_none_of_it(
    desk: TicketStore,
) -> None:
    with pytest.raises(Forbidden):
        await credentials.issue_link(
            store=desk,
            request=AccessLinkRequest(agent_id="ana", purpose="invite", ttl_minutes=60),
            caller=GATEWAY,
            now=NOW,
        )
    with pytest.raises(Forbidden):
        await credentials.read_session(
            store=desk,
            key=SessionKey(session="s" * 32),
            caller=Caller(id="ana", role="agent"),
            now=NOW,
        )


async def test_signing_out_ends_the_session_on_the_server(desk: TicketStore) -> None:
    await set_password(desk, await invite(desk))
    session = await sign_in(desk, PASSWORD)
    ended = await credentials.end_session(
        store=desk, key=SessionKey(session=session), caller=GATEWAY
    )
    assert ended.ended
    with pytest.raises(credentials.SignInRefused):
        await credentials.read_session(
            store=desk, key=SessionKey(session=session), caller=GATEWAY, now=NOW
        )


async def test_a_deactivated_agent_s_session_is_refused_at_once(desk: TicketStore) -> None:
    await set_password(desk, await invite(desk))
    session = await sign_in(desk, PASSWORD)
    await desk.replace_entry("agent", "ana", {**ANA, "active": False})
    with pytest.raises(credentials.SignInRefused):
        await credentials.read_session(
            store=desk, key=SessionKey(session=session), caller=GATEWAY, now=NOW
        )
    with pytest.raises(rpc.Conflict):
        await invite(desk)


async def test_a_reset_ends_every_session_of_the_agent(desk: TicketStore) -> None:
    await set_password(desk, await invite(desk))
    first = await sign_in(desk, PASSWORD, session="a" * 32)
    reset = await credentials.issue_link(
        store=desk,
        request=AccessLinkRequest(email="ana@example.com", purpose="reset", ttl_minutes=60),
        caller=GATEWAY,
        now=NOW,
    )
    await set_password(desk, reset.token)
    with pytest.raises(credentials.SignInRefused):
        await credentials.read_session(
            store=desk, key=SessionKey(session=first), caller=GATEWAY, now=NOW
        )


async def test_an_expired_session_is_refused(desk: TicketStore) -> None:
    await set_password(desk, await invite(desk))
    session = await sign_in(desk, PASSWORD)
    with pytest.raises(credentials.SignInRefused):
        await credentials.read_session(
            store=desk,
            key=SessionKey(session=session),
            caller=GATEWAY,
            now=NOW + timedelta(minutes=61),
        )


async def test_of_two_uses_of_one_link_at_once_only_one_sets_a_password(
    desk: TicketStore,
) -> None:
    token = await invite(desk)
    outcomes = await asyncio.gather(
        set_password(desk, token), set_password(desk, token), return_exceptions=True
    )
    assert sum(o is None for o in outcomes) == 1
    assert sum(isinstance(o, credentials.LinkRefused) for o in outcomes) == 1
