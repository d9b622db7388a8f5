"""Changes of the agents' directory that other services act on at once. The gateway ends an
agent's live-event streams when the agent is deactivated, removed, or loses a level, instead
of waiting for the token to expire (docs/api.md "Who sees what")."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from contracts.base import Event


class AgentChangedV1(Event):
    routing_key: ClassVar[str] = "agent.changed.v1"
    v: Literal[1] = 1
    agent_id: str
    active: bool = Field(description="False when deactivated or removed.")
    removed: bool = False
    levels: list[str] = Field(default=[], description="The agent's levels after the change.")
