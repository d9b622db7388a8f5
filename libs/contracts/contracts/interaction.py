"""The normalised interaction (docs/domain.md F1): one message received or sent on any channel."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AnyUrl,
    AwareDatetime,
    Field,
    StringConstraints,
    model_validator,
)

from contracts.base import Contract

Identifier = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=256)]
ShortText = Annotated[str, StringConstraints(max_length=1_000)]

MAX_TEXT_LENGTH = 100_000
MAX_RAW_DEPTH = 32
"""How deep the network's payload may nest. Networks' payloads nest a handful of levels;
without a bound, a few hundred levels would pass here and fail far away (MongoDB refuses
documents nested past 100 levels), retried and dead-lettered instead of refused at the door."""


def _shallow(raw: dict[str, Any]) -> dict[str, Any]:
    """Walks containers only, without recursion, so any depth is measured safely."""
    level: list[Any] = [raw]
    for _ in range(MAX_RAW_DEPTH):
        level = [
            child
            for node in level
            for child in (node.values() if isinstance(node, dict) else node)
            if isinstance(child, dict | list)
        ]
        if not level:
            return raw
    raise ValueError(f"raw nests deeper than {MAX_RAW_DEPTH} levels")


class Channel(StrEnum):
    FACEBOOK = "facebook"
    INSTAGRAM = "instagram"
    TWITTER = "twitter"
    YOUTUBE = "youtube"
    LINKEDIN = "linkedin"
    RECLAME_AQUI = "reclame_aqui"
    GOOGLE_BUSINESS = "google_business"
    EMAIL = "email"


class Kind(StrEnum):
    POST = "post"
    COMMENT = "comment"
    REPLY = "reply"
    DIRECT_MESSAGE = "direct_message"
    REVIEW = "review"
    EMAIL = "email"


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class Visibility(StrEnum):
    PUBLIC = "public"
    PRIVATE = "private"


class Author(Contract):
    id: Identifier
    name: ShortText = ""
    handle: ShortText = ""
    bio: Annotated[str, StringConstraints(max_length=5_000)] = ""
    followers: Annotated[int, Field(ge=0)] | None = None
    profile_url: AnyUrl | None = None


class Media(Contract):
    url: AnyUrl
    type: Annotated[str, StringConstraints(max_length=64)] = "image"


class Engagement(Contract):
    likes: Annotated[int, Field(ge=0)] = 0
    shares: Annotated[int, Field(ge=0)] = 0
    replies: Annotated[int, Field(ge=0)] = 0
    views: Annotated[int, Field(ge=0)] = 0


class Interaction(Contract):
    """One post, comment, reply, direct message, review or e-mail, in the shape every channel is
    normalised into. ``(channel, external_id)`` identifies it; ``thread_id`` is the network's
    conversation (the root post for comments); ``parent_id`` the item it answers."""

    channel: Channel
    account: Identifier = Field(description="The brand's profile/page the interaction arrived on.")
    external_id: Identifier = Field(description="The network's id; unique per channel.")
    thread_id: Identifier | None = Field(
        default=None, description="The conversation on the network; defaults to external_id."
    )
    parent_id: Identifier | None = None
    kind: Kind
    direction: Direction = Direction.INBOUND
    visibility: Visibility = Visibility.PUBLIC
    author: Author
    text: Annotated[str, StringConstraints(max_length=MAX_TEXT_LENGTH)] = ""
    links: Annotated[list[AnyUrl], Field(max_length=100)] = []
    media: Annotated[list[Media], Field(max_length=100)] = []
    rating: Annotated[int, Field(ge=1, le=5)] | None = None
    campaign: bool = Field(default=False, description="Paid/campaign content rather than organic.")
    language: Annotated[str, StringConstraints(max_length=16)] | None = None
    occurred_at: AwareDatetime
    engagement: Engagement = Engagement()
    auto_submitted: Annotated[str, StringConstraints(max_length=64)] | None = Field(
        default=None,
        description="An e-mail's RFC 3834 Auto-Submitted value (auto-replied, auto-generated) "
        "when it is not 'no': a machine wrote it, so nothing answers it automatically.",
    )
    raw: Annotated[dict[str, Any], AfterValidator(_shallow)] = Field(
        default_factory=dict, description="The network's payload, kept (nested 32 levels at most)."
    )

    @model_validator(mode="after")
    def _review_has_rating_only_if_review(self) -> Interaction:
        if self.rating is not None and self.kind is not Kind.REVIEW:
            raise ValueError("rating is only allowed on interactions of kind 'review'")
        return self

    @property
    def key(self) -> str:
        """The identity used for de-duplication everywhere: channel + external id."""
        return f"{self.channel.value}:{self.external_id}"

    @property
    def conversation_id(self) -> str:
        return self.thread_id or self.external_id
