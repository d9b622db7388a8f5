"""Signing in to the console (issue 14): the agents' passwords, the single-use links that set
one (an invitation, a reset), and the console's sessions. Ticketing keeps all of it beside
the agents; the gateway only carries the session cookie, and the notifier mails the links.

Secrets travel in these messages only inside the deployment (RabbitMQ); ticketing stores
none of them in clear: passwords as argon2id hashes, links and sessions as SHA-256 digests."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from contracts.base import Contract
from contracts.people import AgentRead, Language

Purpose = Literal["invite", "reset"]
"""An invitation (the agent's first password) or a reset (a forgotten one)."""

PASSWORD_MIN = 10
PASSWORD_MAX = 256

Password = Annotated[str, StringConstraints(min_length=PASSWORD_MIN, max_length=PASSWORD_MAX)]
Secret = Annotated[str, StringConstraints(min_length=16, max_length=256)]


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AccessLinkRequest(_Params):
    """A new link for one agent, named by id (an administrator's invitation) or by e-mail
    address (a reset asked for on the sign-in page). It replaces the agent's earlier link."""

    agent_id: str | None = None
    email: Annotated[str, StringConstraints(max_length=320)] | None = None
    purpose: Purpose
    ttl_minutes: int = Field(ge=1, le=60 * 24 * 14)


class AccessLink(Contract):
    """The link's secret, for the notifier to mail; ``found`` is False (and the rest empty)
    when a reset names an address no active agent has, which the asker is never told."""

    found: bool = True
    agent_id: str = ""
    name: str = ""
    email: str = ""
    language: Language = "pt-BR"
    purpose: Purpose = "invite"
    token: str = ""
    expires_at: AwareDatetime | None = None


class PasswordSetting(_Params):
    """Follow a link: set the password. The link works once; every session the agent had
    ends (a reset is often because someone else knew the old password)."""

    token: Secret
    password: Password


class PasswordSet(Contract):
    agent_id: str


class SignInAttempt(_Params):
    email: Annotated[str, StringConstraints(max_length=320)]
    password: Annotated[str, StringConstraints(max_length=PASSWORD_MAX)]
    session: Secret
    """The new session's secret, drawn by the gateway (it becomes the cookie)."""
    ttl_minutes: int = Field(ge=1, le=60 * 24 * 30)


class SessionKey(_Params):
    session: Secret


class SessionRead(Contract):
    """Whose session it is, as the directory has them now (active, levels, language)."""

    agent: AgentRead
    expires_at: AwareDatetime


class SessionEnded(Contract):
    ended: bool


class AccessLinkMail(_Params):
    """What the notifier needs to mail a link (``access_links.mail``)."""

    token: Secret
    purpose: Purpose
    email: Annotated[str, StringConstraints(max_length=320)]
    name: str
    language: Language
    expires_at: AwareDatetime


class AccessLinkMailed(Contract):
    status: Literal["sent"] = "sent"
