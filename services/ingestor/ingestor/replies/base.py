"""What every network's sender is: one module per network, chosen by the reply's channel
(``ingestor.replies.senders``). A sender makes one call to its network and says how it went;
retrying, claiming and recording the outcome are the same for every network
(``ingestor.replies.sending``)."""

from __future__ import annotations

from typing import Protocol

from contracts.replies import ReplyRequestedV1
from ingestor.store.accounts_port import StoredAccount


class Retryable(Exception):
    """The network did not take it and said to try later (429, 5xx), or could not be reached:
    nothing was posted, so another attempt is safe. ``retry_after`` is the network's
    Retry-After in seconds, when it gave one."""

    def __init__(self, detail: str, retry_after: float | None = None) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class Refused(Exception):
    """The network refused it for good (a 4xx other than 429): the reason is shown."""


class Uncertain(Exception):
    """The request left and no answer came back (a timeout after sending, a dropped
    connection): it may have been posted. Never retried."""


class Sender(Protocol):
    async def send(
        self, request: ReplyRequestedV1, account: StoredAccount, credentials: dict[str, str]
    ) -> str:
        """Post the reply once; the network's id of what was posted. Raises Retryable,
        Refused or Uncertain."""
        ...
