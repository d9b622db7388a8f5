"""Full-text search on MongoDB: each ticket keeps its title's folded words
(``title_words``) and each interaction its text's (``search.words``), both in multikey
indexes; a search finds the documents holding every word and ranks them with
``domain.search.score``. MongoDB's own text index would do the finding and ranking on a
server, but mongomock (which every test here runs on) does not implement ``$text``, and
its stemming is per language where our desk mixes Portuguese and English in one text."""

from __future__ import annotations

from typing import Any

from pymongo import DESCENDING

from ticketing.domain import search
from ticketing.domain.access import Visibility
from ticketing.store.codec import interaction_from_body
from ticketing.store.mongo.documents import NUMBERED, Collections
from ticketing.store.port import Match

CANDIDATES = 1_000
"""Matches read per kind before ranking (and ticket ids a ``text`` filter takes): past
it a search ranks, and a ``text`` filter lists, the most recent thousand of each kind (the
indexes below hand them out in that order)."""
RECENT_TICKETS = [("updated_at", DESCENDING)]
RECENT_INTERACTIONS = [("occurred_at", DESCENDING)]
"""Most recent first: the word indexes end in these (indexes.py), so a word's matches come
out of the index in this order."""


class MongoSearch:
    def __init__(self, collections: Collections) -> None:
        self._tickets = collections.tickets
        self._interactions = collections.interactions

    async def ticket_ids(self, words: list[str]) -> list[str]:
        """The tickets whose title or one of whose interactions holds every word."""
        if not words:
            return []
        found = {
            doc["_id"]
            async for doc in self._tickets.find(
                {"title_words": {"$all": words}, **NUMBERED}, {"_id": 1}
            )
            .sort(RECENT_TICKETS)
            .limit(CANDIDATES)
        }
        async for doc in (
            self._interactions.find(
                {"search.words": {"$all": words}, "ticket_id": {"$type": "string"}},
                {"ticket_id": 1},
            )
            .sort(RECENT_INTERACTIONS)
            .limit(CANDIDATES)
        ):
            found.add(doc["ticket_id"])
        return sorted(found)

    async def find(self, query: str, visible: Visibility | None, limit: int) -> list[Match]:
        words = search.words(query)
        if not words:
            return []
        matches: list[Match] = []
        seen = _seen_by(visible)
        async for doc in (
            self._tickets.find(
                {"title_words": {"$all": words}, "removed": False, **NUMBERED},
                {"_id": 1, "protocol": 1, "title": 1, "assignee": 1, "level": 1},
            )
            .sort(RECENT_TICKETS)
            .limit(CANDIDATES)
        ):
            if seen(doc):
                title = doc["title"]
                matches.append(
                    Match(
                        "ticket",
                        doc["_id"],
                        doc["_id"],
                        doc["protocol"],
                        title,
                        search.score("title", title, words),
                    )
                )
        texts = [
            doc
            async for doc in self._interactions.find(
                {"search.words": {"$all": words}}, {"id": 1, "ticket_id": 1, "body": 1}
            )
            .sort(RECENT_INTERACTIONS)
            .limit(CANDIDATES)
        ]
        holders = {
            doc["_id"]: doc
            async for doc in self._tickets.find(
                {"_id": {"$in": sorted({d["ticket_id"] for d in texts if d["ticket_id"]})}},
                {"_id": 1, "protocol": 1, "assignee": 1, "level": 1, "removed": 1},
            )
        }
        for doc in texts:
            stored = interaction_from_body(doc["body"], doc["ticket_id"])
            holder = holders.get(doc["ticket_id"]) if doc["ticket_id"] else None
            if doc["ticket_id"] and (holder is None or holder.get("removed") or not seen(holder)):
                continue
            if (
                holder is None
                and visible is not None
                and not visible.sees_unticketed(stored.interaction.account)
            ):
                continue
            text = stored.interaction.text
            matches.append(
                Match(
                    "interaction",
                    doc["id"],
                    doc["ticket_id"],
                    holder["protocol"] if holder else None,
                    text,
                    search.score("text", text, words),
                )
            )
        matches.sort(key=lambda m: -m.score)
        return matches[:limit]


def _seen_by(visible: Visibility | None) -> Any:
    def seen(doc: dict[str, Any]) -> bool:
        return visible is None or (
            doc.get("assignee") == visible.agent or doc.get("level") in visible.levels
        )

    return seen
