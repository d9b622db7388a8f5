"""The accounts the ingestor receives for, and the raw webhook deliveries it keeps: the part
of the store behind channels in (docs/channels.md). Both adapters mix this into their store."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from contracts.accounts import AccountRead


@dataclass(frozen=True)
class StoredAccount:
    account: AccountRead
    credentials: bytes | None
    """Fernet-encrypted JSON (ingestor.credentials); the store never sees them in clear."""


class AccountTaken(Exception):
    """The id, or the channel's network id, belongs to another account."""


@dataclass(frozen=True)
class Delivery:
    """One webhook POST as received (the raw bytes, which the signature covered), and what
    became of its entries. Kept for INGESTOR_RAW_DELIVERY_DAYS."""

    id: str
    source: str
    received_at: datetime
    body: bytes
    accepted: int = 0
    duplicates: int = 0
    set_aside: list[dict[str, str]] = field(default_factory=list)
    """Entries not turned into interactions: {"entry": index, "reason": kind, "detail": ...}
    with reason ``unknown_account`` or ``unnormalisable``."""


@dataclass(frozen=True)
class MailCursor:
    """Where an IMAP mailbox was read up to: the folder's UIDVALIDITY and the last UID kept.
    A new UIDVALIDITY means the server renumbered the folder; it is read again from the start
    (the Message-IDs de-duplicate)."""

    uidvalidity: int
    uid: int


class AccountStore(Protocol):
    async def create_account(self, stored: StoredAccount) -> None:
        """Raises AccountTaken when the id or (channel, network_id) is in use."""
        ...

    async def account(self, account_id: str) -> StoredAccount | None: ...

    async def accounts(self) -> list[StoredAccount]: ...

    async def replace_account(
        self, stored: StoredAccount, *, expected_revision: int | None = None
    ) -> bool:
        """False (and nothing written) when there is no such account or, given
        ``expected_revision``, when its stored revision is another (compared and written in
        one step; an account stored before revisions is at 0); AccountTaken as for create.
        The stored health is kept as it is, whatever ``stored`` carries: a poll's health update
        (which does not move the revision) made after the account was read survives the save."""
        ...

    async def delete_account(self, account_id: str) -> bool: ...

    async def accounts_by_network(
        self, channels: Sequence[str], network_ids: Sequence[str]
    ) -> list[StoredAccount]:
        """The accounts of these channels with one of these network ids."""
        ...

    async def note_events(self, account_ids: Sequence[str], at: datetime) -> None:
        """Health: these accounts received something at ``at``."""
        ...

    async def keep_delivery(self, delivery: Delivery) -> None: ...

    async def delivery_summary(self) -> dict[str, int]:
        """Deliveries kept, and entries set aside by reason, over the kept deliveries."""
        ...

    async def forget_deliveries(self, *, before: datetime) -> int: ...

    async def deliveries_between(
        self, sources: Sequence[str], since: datetime, until: datetime
    ) -> list[Delivery]:
        """The kept deliveries from these sources received in [since, until), oldest first
        (what a replay reads again)."""
        ...

    async def threads_of(self, keys: Sequence[str]) -> dict[str, str]:
        """The thread remembered for each of these interaction keys (``channel:external_id``)
        that has one."""
        ...

    async def remember_threads(self, threads: dict[str, str], at: datetime) -> None:
        """Interaction key -> its thread, so a later answer to it joins the same thread when
        the network names only the item it answers (X v1.1, mail with only In-Reply-To)."""
        ...

    async def forget_threads(self, *, before: datetime) -> int: ...

    async def mail_cursor(self, account_id: str) -> MailCursor | None: ...

    async def save_mail_cursor(self, account_id: str, cursor: MailCursor) -> None: ...
