"""Request/reply with the notifier (``notifier.rpc``): the method names, and for each method the
model of its parameters and of its answer (``SHAPES``).

The gateway sends the parameters model (``Services.call``) and the notifier validates the
request with the same model (``servicekit.rpc.typed``), so a shape is written once. The caller's
own settings need no parameters: the caller is in the request's envelope.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import AwareDatetime, BaseModel

from contracts.base import Contract
from contracts.credentials import AccessLinkMail, AccessLinkMailed
from contracts.events import TicketSnapshot
from contracts.notifications import NotificationSettings, NotificationSettingsUpdate
from contracts.opinions import OpinionAnswer, SharedInteraction
from contracts.strict import Strict


class NotifierMethod(StrEnum):
    GET_SETTINGS = "notification_settings.get"
    PUT_SETTINGS = "notification_settings.put"
    VIEW_OPINION = "opinions.view"
    ANSWER_OPINION = "opinions.answer"
    MAIL_ACCESS_LINK = "access_links.mail"


class NotificationSettingsGetParams(Strict):
    """The caller's own settings: nothing to choose."""


class OpinionViewParams(Strict):
    token: str


class OpinionAnswerParams(OpinionViewParams):
    answer: OpinionAnswer


class SharedAttachment(Contract):
    """A file the agent attached, without its bytes."""

    filename: str
    content_type: str
    size: int


class OpinionShared(Contract):
    """What an opinion link shows the collaborator."""

    ticket: TicketSnapshot
    interactions: list[SharedInteraction]
    note: str = ""
    attachments: list[SharedAttachment] = []
    requested_by: str = ""
    expires_at: AwareDatetime


class OpinionSent(Contract):
    status: Literal["sent"] = "sent"
    answered_at: AwareDatetime


SHAPES: dict[NotifierMethod, tuple[type[BaseModel], type[BaseModel]]] = {
    NotifierMethod.GET_SETTINGS: (NotificationSettingsGetParams, NotificationSettings),
    NotifierMethod.PUT_SETTINGS: (NotificationSettingsUpdate, NotificationSettings),
    NotifierMethod.VIEW_OPINION: (OpinionViewParams, OpinionShared),
    NotifierMethod.ANSWER_OPINION: (OpinionAnswerParams, OpinionSent),
    NotifierMethod.MAIL_ACCESS_LINK: (AccessLinkMail, AccessLinkMailed),
}
