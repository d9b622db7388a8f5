"""The polling loop of one ingestor replica: every tick, each active account of a polled
channel whose poll is due is leased to this replica (one replica at a time, in the store),
polled from its saved cursor, and what was found goes through the outbox exactly like a
webhook delivery. The cursor moves only once what it covers is durably accepted."""

from __future__ import annotations

import asyncio
import logging
import re
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from pydantic import ValidationError

from contracts.accounts import AccountRead
from contracts.interaction import Channel
from ingestor import accounts, deliveries
from ingestor.credentials import Vault
from ingestor.pollers import google, linkedin, meta, reclameaqui, youtube
from ingestor.pollers.base import Found, Poll, Poller
from ingestor.pollers.http import Classify, Network, NetworkError, Quota, Throttled
from ingestor.settings import IngestorSettings
from ingestor.store.accounts_port import StoredAccount
from ingestor.store.port import IngestStore
from servicekit.clock import Clock, system_clock
from servicekit.publishing import EventPublisher

log = logging.getLogger("ingestor.pollers")


@dataclass(frozen=True)
class Polled:
    """How one channel is polled."""

    poller: Poller
    interval: float
    base_url: str
    quota: int | None = None
    window: str = "minute"
    classify: Classify | None = None


def graph_root(url: str) -> str:
    """INGESTOR_META_GRAPH_URL names a version for the replies (``…/v21.0``); the pollers name
    theirs in each path, so they take the root. A bare root is used as it is."""
    return re.sub(r"/v\d+(\.\d+)?/?$", "", url)


def channels(settings: IngestorSettings) -> dict[Channel, Polled]:
    s = settings
    graph = graph_root(s.meta_graph_url)
    return {
        Channel.YOUTUBE: Polled(
            youtube.Threads(timedelta(hours=s.youtube_recheck_hours), s.youtube_recheck_threads),
            s.youtube_poll_seconds,
            s.youtube_base_url,
            s.youtube_daily_units,
            "daily_pacific",
            youtube.classify,
        ),
        Channel.GOOGLE_BUSINESS: Polled(
            google.poll, s.google_poll_seconds, s.google_base_url, s.google_calls_per_minute
        ),
        Channel.RECLAME_AQUI: Polled(
            reclameaqui.poll,
            s.reclameaqui_poll_seconds,
            s.reclameaqui_base_url,
            s.reclameaqui_calls_per_minute,
        ),
        Channel.LINKEDIN: Polled(
            linkedin.Posts(s.linkedin_posts), s.linkedin_poll_seconds, s.linkedin_base_url
        ),
        Channel.FACEBOOK: Polled(
            meta.Reconcile(s.meta_poll_overlap_seconds), s.meta_poll_seconds, graph
        ),
        Channel.INSTAGRAM: Polled(
            meta.Reconcile(s.meta_poll_overlap_seconds, Channel.INSTAGRAM),
            s.meta_poll_seconds,
            graph,
        ),
    }


def mailboxes(settings: IngestorSettings, reader: Poller) -> dict[Channel, Polled]:
    """The IMAP mailboxes, polled every INGESTOR_IMAP_POLL_SECONDS (no HTTP base URL)."""
    return {Channel.EMAIL: Polled(reader, settings.imap_poll_seconds, "")}


class Pollers:
    def __init__(
        self,
        settings: IngestorSettings,
        store: IngestStore,
        publisher: EventPublisher,
        vault: Vault,
        *,
        clock: Clock = system_clock,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        owner: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        polled: dict[Channel, Polled] | None = None,
    ) -> None:
        """``polled``: the channels this runner polls (the networks of ``channels`` unless
        told otherwise: the mailboxes have a runner of their own, app.py)."""
        self.settings, self.store, self.publisher, self.vault = settings, store, publisher, vault
        self.clock, self.sleep, self.transport = clock, sleep, transport
        self.owner = owner or f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"
        self.polled = channels(settings) if polled is None else polled

    async def tick(self) -> None:
        """Poll every due account this replica can lease, one after the other."""
        for stored in await self.store.accounts():
            if stored.account.active and stored.account.channel in self.polled:
                try:
                    await self.poll(stored)
                except Exception:
                    # The store away: the lease expires and the next tick tries again.
                    log.exception("polling %s failed", stored.account.id)

    async def poll(self, stored: StoredAccount) -> bool:
        """Poll one account if it is due and free; whether this replica polled it."""
        account, polled = stored.account, self.polled[stored.account.channel]
        now = self.clock()
        lease = timedelta(seconds=self.settings.poll_lease_seconds)
        cursor = await self.store.claim_poll(
            account.id, self.owner, now=now, lease_until=now + lease
        )
        if cursor is None:
            return False
        state: dict[str, Any] = dict(cursor.get("state") or {})
        usage: dict[str, Any] = dict(cursor.get("quota") or {})
        found = Found()
        outcome = accounts.PollOutcome()
        next_at = now + timedelta(seconds=polled.interval)
        try:
            credentials = self.vault.open(stored.credentials) if stored.credentials else {}
        except Exception as exc:  # a credentials key changed under the stored ones
            credentials = {}
            outcome = accounts.PollOutcome(error=f"credentials unreadable: {type(exc).__name__}")
        async with httpx.AsyncClient(
            base_url=polled.base_url, timeout=30, transport=self.transport
        ) as client:
            network = Network(
                client,
                Quota(polled.quota, polled.window, usage),
                self.clock,
                attempts=self.settings.poll_attempts,
                max_wait=self.settings.poll_max_retry_after_seconds,
                classify=polled.classify,
                sleep=self.sleep,
            )
            poll = Poll(account, credentials, dict(state), network, found, now)
            try:
                if outcome.error is None:
                    state = await polled.poller(poll)
            except asyncio.CancelledError:
                # The replica is stopping: hand the account back at once, cursor unmoved
                # (nothing of this poll was accepted; the calls made still count against the
                # quota), rather than hold it for the lease.
                await self.store.finish_poll(
                    account.id,
                    self.owner,
                    cursor={"state": cursor.get("state") or {}, "quota": usage},
                    next_poll_at=now,
                )
                raise
            except Throttled as exc:
                state = poll.state  # what the poller recorded as done (paging resumes there)
                outcome = accounts.PollOutcome(throttled_until=exc.until)
                next_at = max(next_at, exc.until)
                log.warning("%s throttled until %s: %s", account.id, exc.until, exc)
            except (NetworkError, KeyError, TypeError, ValueError, ValidationError) as exc:
                state = poll.state
                outcome = accounts.PollOutcome(error=f"{type(exc).__name__}: {exc}"[:500])
                log.warning("polling %s failed: %s", account.id, outcome.error)
        await self.accept(account, found)
        await self.store.finish_poll(
            account.id, self.owner, cursor={"state": state, "quota": usage}, next_poll_at=next_at
        )
        await accounts.record_poll(
            self.store,
            account.id,
            outcome,
            now=self.clock(),
            failing_after=self.settings.poll_failing_after,
            publisher=self.publisher,
        )
        return True

    async def accept(self, account: AccountRead, found: Found) -> None:
        """Through the same delivery step as a webhook (ingestor.deliveries): thread memory,
        the echo of our own replies dropped, the outbox, and what was set aside kept."""
        if not (found.interactions or found.changes or found.set_aside):
            return
        await deliveries.keep(
            store=self.store,
            publisher=self.publisher,
            source=f"poll:{account.channel.value}",
            body=found.body(),
            found=deliveries.Sorted(
                found.interactions, [(account.id, c) for c in found.changes], found.set_aside
            ),
            clock=self.clock,
        )
