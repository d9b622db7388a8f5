"""Existing mailboxes read over IMAP (imapclient, run in a worker thread: it is synchronous).

A mailbox account whose credentials name an IMAP server (``imap_host``, ``username``,
``password``; optional ``imap_port``, ``imap_ssl`` "false", ``imap_folder``) is read every
INGESTOR_IMAP_POLL_SECONDS, by one replica at a time (the pollers' lease), from its cursor:
the folder's UIDVALIDITY and the last UID kept, which survives restarts in the store. Mail is
read with ``BODY.PEEK[]`` (the mailbox's \\Seen flags are the people's, not ours) and each one
goes through the same mail-in step as SMTP; the cursor moves past a mail only once it is kept,
so a crash reads it again and its Message-ID de-duplicates it.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from ingestor import mailin
from ingestor.pollers.base import Poll
from ingestor.pollers.http import NetworkError
from ingestor.store.accounts_port import MailCursor
from ingestor.store.port import IngestStore
from servicekit.publishing import EventPublisher

log = logging.getLogger("ingestor.imap")

BATCH = 100
"""Mails read per mailbox per poll: a large backlog is read over several polls."""
SOCKET_TIMEOUT = 30.0
"""Seconds one IMAP read may wait: a server that stops answering costs one poll, not the
poller (the thread cannot be cancelled)."""


@dataclass(frozen=True)
class Mailbox:
    host: str
    port: int
    username: str
    password: str
    ssl: bool = True
    folder: str = "INBOX"


def mailbox_of(credentials: dict[str, str]) -> Mailbox | None:
    """The IMAP server the credentials name, or None for a mailbox fed only over SMTP."""
    if not credentials.get("imap_host"):
        return None
    ssl = credentials.get("imap_ssl", "true").lower() not in ("false", "0", "no")
    return Mailbox(
        host=credentials["imap_host"],
        port=int(credentials.get("imap_port") or (993 if ssl else 143)),
        username=credentials["username"],
        password=credentials["password"],
        ssl=ssl,
        folder=credentials.get("imap_folder") or "INBOX",
    )


def fetch_new(
    box: Mailbox, cursor: MailCursor | None, timeout: float
) -> tuple[int, list[tuple[int, bytes]]]:
    """(UIDVALIDITY, [(uid, mail)]) of the mails after the cursor, oldest first."""
    with IMAPClient(box.host, port=box.port, ssl=box.ssl, timeout=timeout) as client:
        client.login(box.username, box.password)
        selected = client.select_folder(box.folder, readonly=True)
        validity = int(selected[b"UIDVALIDITY"])
        after = cursor.uid if cursor is not None and cursor.uidvalidity == validity else 0
        # "n:*" answers the last mail even when n is past it (RFC 3501): filter it out.
        uids = sorted(u for u in client.search(["UID", f"{after + 1}:*"]) if u > after)[:BATCH]
        if not uids:
            return validity, []
        fetched = client.fetch(uids, ["BODY.PEEK[]"])
        return validity, [(u, fetched[u][b"BODY[]"]) for u in uids if u in fetched]


@dataclass(frozen=True)
class Reader:
    """The poller of mailbox accounts (ingestor.pollers.runner): each mailbox is read by one
    replica at a time under the poll lease, and its failures (server away, wrong password)
    reach the account's health like any network's, failing after a few in a row and ok
    again on the next good read. A mailbox fed only over SMTP has nothing to read."""

    store: IngestStore
    publisher: EventPublisher

    async def __call__(self, poll: Poll) -> dict[str, Any]:
        account = poll.account
        box = mailbox_of(poll.credentials)
        if box is None:
            return poll.state
        cursor = await self.store.mail_cursor(account.id)
        try:
            validity, mails = await asyncio.to_thread(fetch_new, box, cursor, SOCKET_TIMEOUT)
        except (IMAPClientError, OSError) as exc:
            raise NetworkError(f"IMAP {box.host}:{box.port}: {type(exc).__name__}: {exc}") from exc
        if cursor is None or cursor.uidvalidity != validity:
            await self.store.save_mail_cursor(account.id, MailCursor(validity, 0))
        for uid, data in mails:
            # Kept mail by mail, each its own delivery (its raw bytes replayable), the cursor
            # moved past it only once it is kept.
            await mailin.receive(
                store=self.store,
                publisher=self.publisher,
                data=data,
                mailboxes=[account.network_id],
                source="imap",
            )
            await self.store.save_mail_cursor(account.id, MailCursor(validity, uid))
        return poll.state
