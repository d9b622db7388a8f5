"""MongoDB half of AccountStore, mixed into MongoIngestStore."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from contracts.accounts import AccountRead
from ingestor.store.accounts_port import AccountTaken, Delivery, MailCursor, StoredAccount
from servicekit.mongo import aggregate


def _document(stored: StoredAccount) -> dict[str, Any]:
    a = stored.account
    return {
        "_id": a.id,
        "channel": a.channel.value,
        "network_id": a.network_id,
        "data": a.model_dump(mode="json"),
        "credentials": stored.credentials,
    }


def _stored(doc: dict[str, Any]) -> StoredAccount:
    credentials = doc.get("credentials")
    return StoredAccount(
        AccountRead.model_validate(doc["data"]),
        None if credentials is None else bytes(credentials),
    )


class MongoAccounts:
    _accounts: Any
    _deliveries: Any
    _mail_cursors: Any
    _threads: Any

    async def open_accounts(self) -> None:
        await self._accounts.create_index(
            [("channel", ASCENDING), ("network_id", ASCENDING)], unique=True
        )
        await self._deliveries.create_index([("received_at", ASCENDING)])
        await self._threads.create_index([("at", ASCENDING)])

    async def create_account(self, stored: StoredAccount) -> None:
        try:
            await self._accounts.insert_one(_document(stored))
        except DuplicateKeyError as exc:
            raise AccountTaken(str(exc)) from exc

    async def account(self, account_id: str) -> StoredAccount | None:
        doc = await self._accounts.find_one({"_id": account_id})
        return None if doc is None else _stored(doc)

    async def accounts(self) -> list[StoredAccount]:
        return [_stored(d) async for d in self._accounts.find({}).sort("_id", ASCENDING)]

    async def replace_account(
        self, stored: StoredAccount, *, expected_revision: int | None = None
    ) -> bool:
        match: dict[str, Any] = {"_id": stored.account.id}
        if expected_revision is not None:
            match["data.revision"] = expected_revision or {"$in": [0, None]}
        # Every field but the health, which stays as stored: a poll may have written it since
        # the account was read, and health is not the administrator's to save.
        document = _document(stored)
        data = document.pop("data")
        fields: dict[str, Any] = {f"data.{k}": v for k, v in data.items() if k != "health"}
        fields.update((name, value) for name, value in document.items() if name != "_id")
        try:
            result = await self._accounts.update_one(match, {"$set": fields})
        except DuplicateKeyError as exc:
            raise AccountTaken(str(exc)) from exc
        return bool(result.matched_count)

    async def delete_account(self, account_id: str) -> bool:
        return bool((await self._accounts.delete_one({"_id": account_id})).deleted_count)

    async def accounts_by_network(
        self, channels: Sequence[str], network_ids: Sequence[str]
    ) -> list[StoredAccount]:
        cursor = self._accounts.find(
            {"channel": {"$in": list(channels)}, "network_id": {"$in": list(network_ids)}}
        )
        return [_stored(d) async for d in cursor]

    async def note_events(self, account_ids: Sequence[str], at: datetime) -> None:
        await self._accounts.update_many(
            {"_id": {"$in": list(account_ids)}},
            {"$set": {"data.health.last_event_at": at.isoformat()}},
        )

    async def keep_delivery(self, delivery: Delivery) -> None:
        await self._deliveries.insert_one(
            {
                "_id": delivery.id,
                "source": delivery.source,
                "received_at": delivery.received_at,
                "body": delivery.body,
                "accepted": delivery.accepted,
                "duplicates": delivery.duplicates,
                "set_aside": delivery.set_aside,
            }
        )

    async def delivery_summary(self) -> dict[str, int]:
        summary = {"deliveries": 0, "unknown_account": 0, "unnormalisable": 0}
        summary["deliveries"] = await self._deliveries.count_documents({})
        pipeline = [
            {"$unwind": "$set_aside"},
            {"$group": {"_id": "$set_aside.reason", "n": {"$sum": 1}}},
        ]
        for row in await aggregate(self._deliveries, pipeline):
            summary[row["_id"]] = row["n"]
        return summary

    async def forget_deliveries(self, *, before: datetime) -> int:
        result = await self._deliveries.delete_many({"received_at": {"$lt": before}})
        return int(result.deleted_count)

    async def deliveries_between(
        self, sources: Sequence[str], since: datetime, until: datetime
    ) -> list[Delivery]:
        found = self._deliveries.find(
            {"source": {"$in": list(sources)}, "received_at": {"$gte": since, "$lt": until}}
        ).sort("received_at", ASCENDING)
        return [
            Delivery(
                id=d["_id"],
                source=d["source"],
                received_at=_utc(d["received_at"]),
                body=bytes(d["body"]),
                accepted=d["accepted"],
                duplicates=d["duplicates"],
                set_aside=list(d["set_aside"]),
            )
            async for d in found
        ]

    async def mail_cursor(self, account_id: str) -> MailCursor | None:
        doc = await self._mail_cursors.find_one({"_id": account_id})
        return None if doc is None else MailCursor(int(doc["uidvalidity"]), int(doc["uid"]))

    async def save_mail_cursor(self, account_id: str, cursor: MailCursor) -> None:
        await self._mail_cursors.replace_one(
            {"_id": account_id},
            {"uidvalidity": cursor.uidvalidity, "uid": cursor.uid},
            upsert=True,
        )

    async def threads_of(self, keys: Sequence[str]) -> dict[str, str]:
        if not keys:
            return {}
        cursor = self._threads.find({"_id": {"$in": list(keys)}})
        return {d["_id"]: d["thread"] async for d in cursor}

    async def remember_threads(self, threads: dict[str, str], at: datetime) -> None:
        for key, thread in threads.items():
            await self._threads.replace_one({"_id": key}, {"thread": thread, "at": at}, upsert=True)

    async def forget_threads(self, *, before: datetime) -> int:
        result = await self._threads.delete_many({"at": {"$lt": before}})
        return int(result.deleted_count)


def _utc(moment: datetime) -> datetime:
    """MongoDB hands dates back without their zone (unless the client is tz_aware); they were
    stored in UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
