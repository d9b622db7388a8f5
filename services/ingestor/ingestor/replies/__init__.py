"""Replies out (docs/architecture.md "Replies"): the ingestor holds the accounts' credentials,
so it is the one that calls the networks. ``senders`` picks one sender module per channel;
adding a network is one module beside ``meta`` and ``email`` and one line here."""

from __future__ import annotations

import httpx

from contracts.interaction import Channel
from ingestor.replies.base import Sender
from ingestor.replies.email import EmailSender
from ingestor.replies.google import GoogleReviewSender
from ingestor.replies.meta import MetaSender
from ingestor.replies.x import XSender
from ingestor.replies.youtube import YouTubeSender
from ingestor.settings import IngestorSettings


def senders(settings: IngestorSettings, client: httpx.AsyncClient) -> dict[Channel, Sender]:
    meta = MetaSender(client, settings.meta_graph_url)
    return {
        Channel.FACEBOOK: meta,
        Channel.INSTAGRAM: meta,
        Channel.EMAIL: EmailSender(settings.reply_timeout_seconds),
        Channel.TWITTER: XSender(client, settings.x_api_url),
        Channel.YOUTUBE: YouTubeSender(client, settings.youtube_base_url),
        Channel.GOOGLE_BUSINESS: GoogleReviewSender(client, settings.google_base_url),
    }
