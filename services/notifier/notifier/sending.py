"""Sending a mail once per (event, recipient), whatever happens around it: redeliveries,
replicas, a notifier killed mid-send, a connection dropped mid-handler, a replay from the DLQ.

Every mail is claimed in the mail log by one owner (one attempt of one process) for a short
lease that is renewed while SMTP talks; a mail the SMTP server accepted is recorded as sent and
never claimed again. The one gap left: a crash after the server accepted a mail and before it
is recorded as sent makes the mail go out once more, with the same Message-ID (see
docs/operations.md)."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from dataclasses import dataclass, replace
from typing import Protocol
from uuid import uuid4

from notifier.mail import Mail, RecipientRefused
from notifier.store.port import Claim, MailLog

log = logging.getLogger(__name__)

PROCESS = f"{socket.gethostname()}:{os.getpid()}"
"""Who owns a claim, as operators read it: host and process, plus the attempt."""


@dataclass(frozen=True)
class ClaimPolicy:
    lease_seconds: float = 15.0
    """Short, so a claim left by a dead process is free soon; renewed every third of it
    while the mail is being sent (longer than the SMTP timeout is not needed)."""
    wait_seconds: float = 20.0
    """How long a delivery waits on a mail another owner holds before it is retried later:
    longer than a lease, so a dead owner's claim is taken over within the first delivery."""
    poll_seconds: float = 0.25
    """The first pause between looks at a busy claim; it doubles up to ``max_poll_seconds``, so
    many deliveries waiting after a crash do not keep the store busy with their looks."""
    max_poll_seconds: float = 2.0


DEFAULT_POLICY = ClaimPolicy()


class Mailer(Protocol):
    async def send(self, mail: Mail) -> None: ...


class MailsPending(Exception):
    """Some recipients could not be served yet; the event is retried for them only."""


async def send_once(
    *, log_store: MailLog, mailer: Mailer, mails: list[Mail], policy: ClaimPolicy = DEFAULT_POLICY
) -> None:
    """Send each mail unless it was sent for this event before. One recipient's failure
    does not hold back the others; transient failures make the whole event retry, and the
    mails already sent are skipped then. A mail another owner is sending is waited for (it
    ends sent, or its owner died and its lease runs out and this call takes it over) rather
    than retried at once, so a redelivery after a crash does not burn the event's retries."""
    pending = []
    for mail in mails:
        problem = await _deliver(log_store, mailer, mail, policy)
        if problem is not None:
            pending.append(f"{mail.recipient}: {problem}")
    if pending:
        raise MailsPending("; ".join(pending))


async def _deliver(
    log_store: MailLog, mailer: Mailer, mail: Mail, policy: ClaimPolicy
) -> str | None:
    """One mail: None once it is settled (sent now or before, or refused for good), else why
    it is still pending."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + policy.wait_seconds
    pause = policy.poll_seconds
    while True:
        # Claim, send and settle run as one task that a cancelled handler (a dropped
        # connection, a shutdown) does not interrupt: the claim always ends sent, refused or
        # released, never held by a handler that is gone.
        attempt = asyncio.create_task(_attempt(log_store, mailer, mail, policy))
        _settling.add(attempt)
        attempt.add_done_callback(_settling.discard)
        result = await asyncio.shield(attempt)
        if result is not Claim.BUSY:
            return result
        if loop.time() >= deadline:
            return "being sent by another owner"
        await asyncio.sleep(pause)
        pause = min(pause * 2, policy.max_poll_seconds)


_settling: set[asyncio.Task[str | Claim | None]] = set()
"""Attempts still running after their handler was cancelled (kept so they are not collected)."""


async def _attempt(
    log_store: MailLog, mailer: Mailer, mail: Mail, policy: ClaimPolicy
) -> str | Claim | None:
    owner = f"{PROCESS}/{uuid4().hex[:12]}"  # this attempt: a later one is another owner
    claim = await log_store.claim(
        mail.event_id, mail.recipient, owner=owner, lease_seconds=policy.lease_seconds
    )
    if claim is Claim.DONE:
        return None
    if claim is Claim.BUSY:
        return Claim.BUSY
    renewing = asyncio.create_task(_keep_renewed(log_store, mail, owner, policy))
    try:
        await mailer.send(replace(mail, attempt=owner))
    except RecipientRefused as exc:
        log.warning("the SMTP server refused %s for good: %s", mail.recipient, exc)
        await log_store.finish(mail.event_id, mail.recipient, outcome="refused")
        return None
    except BaseException as exc:  # CancelledError too: the event loop is shutting down
        await log_store.release(mail.event_id, mail.recipient, owner=owner)
        if not isinstance(exc, Exception):
            raise
        return f"{type(exc).__name__}: {exc}"
    finally:
        renewing.cancel()
    await log_store.finish(mail.event_id, mail.recipient, outcome="sent")
    return None


async def _keep_renewed(log_store: MailLog, mail: Mail, owner: str, policy: ClaimPolicy) -> None:
    """Renew the claim while SMTP talks, so a slow server does not make it look abandoned."""
    while True:
        await asyncio.sleep(policy.lease_seconds / 3)
        renewed = await log_store.renew(
            mail.event_id, mail.recipient, owner=owner, lease_seconds=policy.lease_seconds
        )
        if not renewed:
            log.warning(
                "lost the claim on %s for event %s while sending (its lease ran out)",
                mail.recipient,
                mail.event_id,
            )
            return
