"""Agents' signed tokens and the secret that signs them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gateway import tokens
from servicekit.bounded import BoundedDict

SECRET = "a-test-secret-that-is-long-enough-for-hs256"


def test_a_token_names_the_agent_it_was_issued_to() -> None:
    token, expires = tokens.issue("ana", secret=SECRET, ttl=timedelta(minutes=5))
    assert tokens.agent_of(token, secret=SECRET) == "ana"
    assert expires > datetime.now(UTC)


def test_an_expired_token_is_refused_with_a_reason() -> None:
    issued = datetime.now(UTC) - timedelta(hours=2)
    token, _ = tokens.issue("ana", secret=SECRET, ttl=timedelta(hours=1), now=issued)
    with pytest.raises(tokens.BadToken, match="expired"):
        tokens.agent_of(token, secret=SECRET)


def test_a_token_signed_with_another_secret_is_refused() -> None:
    token, _ = tokens.issue("ana", secret=SECRET + "-other", ttl=timedelta(minutes=5))
    with pytest.raises(tokens.BadToken):
        tokens.agent_of(token, secret=SECRET)


def test_a_token_says_whether_it_was_issued_to_an_administrator() -> None:
    admin, _ = tokens.issue("ana", secret=SECRET, ttl=timedelta(minutes=5), admin=True)
    plain, _ = tokens.issue("bia", secret=SECRET, ttl=timedelta(minutes=5))
    assert tokens.holder_of(admin, secret=SECRET) == tokens.Holder("ana", claims_admin=True)
    assert tokens.holder_of(plain, secret=SECRET) == tokens.Holder("bia", claims_admin=False)


def test_a_remembered_token_is_refused_once_it_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    token, expires = tokens.issue("ana", secret=SECRET, ttl=timedelta(minutes=5))
    assert tokens.agent_of(token, secret=SECRET) == "ana"  # verified, and remembered
    monkeypatch.setattr(tokens, "_now", lambda: expires.timestamp() - 1)
    assert tokens.agent_of(token, secret=SECRET) == "ana"
    monkeypatch.setattr(tokens, "_now", lambda: expires.timestamp())
    with pytest.raises(tokens.BadToken, match="expired"):
        tokens.agent_of(token, secret=SECRET)


def test_a_token_remembered_under_one_secret_is_refused_under_another() -> None:
    token, _ = tokens.issue("ana", secret=SECRET, ttl=timedelta(minutes=5))
    assert tokens.agent_of(token, secret=SECRET) == "ana"
    with pytest.raises(tokens.BadToken):
        tokens.agent_of(token, secret=SECRET + "-rotated")


def test_an_altered_token_is_refused_after_the_real_one_was_remembered() -> None:
    token, _ = tokens.issue("ana", secret=SECRET, ttl=timedelta(minutes=5))
    assert tokens.agent_of(token, secret=SECRET) == "ana"
    head, claims, signature = token.split(".")
    altered = ".".join((head, claims, signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")))
    with pytest.raises(tokens.BadToken):
        tokens.agent_of(altered, secret=SECRET)


def test_the_tokens_remembered_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tokens, "_verified", BoundedDict(3, drop="oldest"))
    issued = [tokens.issue(f"a{i}", secret=SECRET, ttl=timedelta(minutes=5))[0] for i in range(5)]
    for token in issued:
        tokens.agent_of(token, secret=SECRET)
    assert len(tokens._verified) == 3
    assert [tokens.agent_of(t, secret=SECRET) for t in issued] == [f"a{i}" for i in range(5)]
