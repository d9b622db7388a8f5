"""Account management (admin only), served to the gateway over ``ingestor.rpc``."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from contracts.accounts import (
    AccountCreate,
    AccountFields,
    AccountHealth,
    AccountHealthChangedV1,
    AccountKey,
    AccountList,
    AccountRead,
    AccountReplace,
    AccountReplay,
    AccountsQuery,
    Deleted,
    HealthState,
    Replayed,
)
from contracts.interaction import Channel
from contracts.rpc import Caller
from contracts.rpc_ingestor import IngestorMethod
from ingestor.credentials import Vault
from ingestor.replay import replay
from ingestor.store.accounts_port import AccountTaken, StoredAccount
from ingestor.store.port import IngestStore
from servicekit import rpc
from servicekit.clock import Clock, system_clock
from servicekit.publishing import EventPublisher, OutgoingMessage

log = logging.getLogger("ingestor.accounts")


class Forbidden(rpc.RpcFailure):
    status = 403
    code = "forbidden"


def _admin(caller: Caller) -> None:
    # The gateway checks too; the owner of the data decides (docs/architecture.md "Access").
    if caller.role != "admin":
        raise Forbidden("only an administrator can manage accounts")


def _taken(account_id: str, fields: AccountFields) -> rpc.Conflict:
    return rpc.Conflict(
        f"account {account_id!r} or {fields.channel.value} id {fields.network_id!r} "
        "is already registered"
    )


@dataclass(frozen=True)
class PollOutcome:
    """What one poll of an account came to: fine, out of quota (until the quota resets or
    the network's Retry-After ends), or an error."""

    throttled_until: datetime | None = None
    error: str | None = None


def next_health(
    old: AccountHealth, outcome: PollOutcome, *, now: datetime, failing_after: int
) -> AccountHealth:
    """The account's health after ``outcome``: an error counts toward ``failing`` (reached
    after ``failing_after`` in a row); running out of quota is ``throttled``, not a failure;
    a good poll is ``ok`` and clears the count."""
    if outcome.error is not None:
        failures = old.consecutive_failures + 1
        state = HealthState.FAILING if failures >= failing_after else old.state
        if state is HealthState.THROTTLED:
            state = HealthState.OK
        return old.model_copy(
            update={"state": state, "last_error": outcome.error, "consecutive_failures": failures}
        )
    if outcome.throttled_until is not None:
        return old.model_copy(
            update={
                "state": HealthState.THROTTLED,
                "last_error": f"quota exhausted until {outcome.throttled_until.isoformat()}",
                "consecutive_failures": 0,
            }
        )
    return old.model_copy(
        update={
            "state": HealthState.OK,
            "last_error": None,
            "consecutive_failures": 0,
            "last_poll_at": now,
        }
    )


def health_event(
    account: AccountRead, old: AccountHealth, new: AccountHealth
) -> tuple[str, OutgoingMessage] | None:
    """The event announcing a change of state, with its de-duplication key: the account, the
    state it leaves with when it entered it, and the state it enters. Whoever writes this
    transition (a replica whose lease ran out, a retry after a crash) writes the same key, so
    the admins hear of each incident and each recovery once."""
    if new.state == old.state:
        return None
    since = old.changed_at.isoformat() if old.changed_at else "start"
    key = f"account-health:{account.id}:{old.state.value}@{since}->{new.state.value}"
    event = AccountHealthChangedV1(
        id=uuid.uuid5(uuid.NAMESPACE_URL, key),
        account=account.id,
        channel=account.channel,
        network_id=account.network_id,
        name=account.name,
        before=old.state,
        after=new.state,
        last_error=new.last_error,
        consecutive_failures=new.consecutive_failures,
    )
    return key, OutgoingMessage.of(event)


async def record_poll(
    store: IngestStore,
    account_id: str,
    outcome: PollOutcome,
    *,
    now: datetime,
    failing_after: int,
    publisher: EventPublisher | None = None,
) -> tuple[AccountHealth, AccountHealth] | None:
    """The one place a poll's outcome reaches the account's health; a change of state is
    announced (``account.health_changed.v1``, which the notifier mails to the admins) in the
    same store write. The health before and after, None for a deleted account."""
    stored = await store.account(account_id)
    if stored is None:
        return None
    old = stored.account.health
    new = next_health(old, outcome, now=now, failing_after=failing_after)
    if new.state != old.state:
        new = new.model_copy(update={"changed_at": now})
    announced = await store.set_health(
        account_id,
        state=new.state,
        last_error=new.last_error,
        consecutive_failures=new.consecutive_failures,
        last_poll_at=new.last_poll_at if new.last_poll_at != old.last_poll_at else None,
        changed_at=new.changed_at if new.changed_at != old.changed_at else None,
        event=health_event(stored.account, old, new),
    )
    if announced and publisher is not None:
        try:
            await publisher.publish_all(announced)
            await store.mark_published([m.id for m in announced])
        except Exception:
            log.exception("publishing %s's health change failed; the outbox relay will", account_id)
    return old, new


REPLACE_ATTEMPTS = 5
"""Saves in a row that may find the account changed between their read and their write before
one without a revision gives up (each such race is another administrator's save)."""


def methods(
    store: IngestStore,
    vault: Vault,
    clock: Clock = system_clock,
    *,
    publisher: EventPublisher | None = None,
) -> dict[str, rpc.Method]:
    def read(
        fields: AccountFields,
        account_id: str,
        *,
        health: AccountHealth,
        created: datetime | None,
        has: bool,
        revision: int,
    ) -> AccountRead:
        now = clock()
        return AccountRead(
            id=account_id,
            channel=fields.channel,
            # Mail addresses are matched in lower case (the SMTP recipient, the IMAP mailbox).
            network_id=fields.network_id.lower()
            if fields.channel is Channel.EMAIL
            else fields.network_id,
            name=fields.name,
            collect=list(dict.fromkeys(fields.collect)),
            active=fields.active,
            has_credentials=has,
            health=health,
            created_at=created or now,
            updated_at=now,
            revision=revision,
        )

    async def list_accounts(_: AccountsQuery, caller: Caller) -> AccountList:
        _admin(caller)
        return AccountList(items=[s.account for s in await store.accounts()])

    async def get(key: AccountKey, caller: Caller) -> AccountRead:
        _admin(caller)
        stored = await store.account(key.id)
        if stored is None:
            raise rpc.NotFound(f"no account {key.id!r}")
        return stored.account

    async def create(body: AccountCreate, caller: Caller) -> AccountRead:
        _admin(caller)
        sealed = vault.seal(body.credentials) if body.credentials else None
        account = read(
            body, body.id, health=AccountHealth(), created=None, has=sealed is not None, revision=1
        )
        try:
            await store.create_account(StoredAccount(account, sealed))
        except AccountTaken as exc:
            raise _taken(body.id, body) from exc
        return account

    async def replace(params: AccountReplace, caller: Caller) -> AccountRead:
        """Written over the revision just read, so the revision moves once per save; a save
        that names the revision it was read at is refused once the account moved past it,
        one that names none is tried again over the newer one, as a last write wins."""
        _admin(caller)
        body = params.body
        for _ in range(REPLACE_ATTEMPTS):
            old = await store.account(params.id)
            if old is None:
                raise rpc.NotFound(f"no account {params.id!r}")
            current = old.account.revision
            if params.expected_revision not in (None, current):
                raise rpc.Stale(
                    f"the account {params.id!r} was changed by someone else since it was read "
                    f"(revision {params.expected_revision}, now {current}): read it again and "
                    "make the change there"
                )
            # Credentials are write-only: a replace that leaves them out keeps the stored ones.
            sealed = vault.seal(body.credentials) if body.credentials else old.credentials
            account = read(
                body,
                params.id,
                health=old.account.health,
                created=old.account.created_at,
                has=sealed is not None,
                revision=current + 1,
            )
            try:
                stored = StoredAccount(account, sealed)
                if await store.replace_account(stored, expected_revision=current):
                    return account
            except AccountTaken as exc:
                raise _taken(params.id, body) from exc
        raise rpc.Stale(f"the account {params.id!r} kept changing while it was saved: try again")

    async def delete(key: AccountKey, caller: Caller) -> Deleted:
        _admin(caller)
        if not await store.delete_account(key.id):
            raise rpc.NotFound(f"no account {key.id!r}")
        return Deleted()

    async def replay_kept(params: AccountReplay, caller: Caller) -> Replayed:
        _admin(caller)
        stored = await store.account(params.id)
        if stored is None:
            raise rpc.NotFound(f"no account {params.id!r}")
        assert publisher is not None, "app.py gives the replay its publisher"
        return await replay(
            store=store,
            publisher=publisher,
            account=stored.account,
            since=params.window.since,
            until=params.window.until,
            clock=clock,
        )

    return {
        IngestorMethod.ACCOUNTS_REPLAY: rpc.typed(AccountReplay, replay_kept),
        IngestorMethod.ACCOUNTS_LIST: rpc.typed(AccountsQuery, list_accounts),
        IngestorMethod.ACCOUNTS_GET: rpc.typed(AccountKey, get),
        IngestorMethod.ACCOUNTS_CREATE: rpc.typed(AccountCreate, create),
        IngestorMethod.ACCOUNTS_REPLACE: rpc.typed(AccountReplace, replace),
        IngestorMethod.ACCOUNTS_DELETE: rpc.typed(AccountKey, delete),
    }
