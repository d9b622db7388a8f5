"""The people part of the ticketing store (docs/domain.md F28-F30): person records, the one
person each identity (channel:author id) belongs to, and the terms people are found by
(e-mails, tax id, groups, channels). The adapters add these methods to their ticket stores."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol
from uuid import UUID

from contracts.base import Event
from contracts.persons import PersonQuery
from ticketing.domain.persons import PersonRecord


class StalePerson(Exception):
    """A person changed (or appeared, or went) since it was read; read again and redo."""


class IdentityTaken(Exception):
    """Another person already holds one of the identities (a concurrent writer created it)."""


class PeopleStore(Protocol):
    async def get_person(self, person_id: UUID) -> PersonRecord | None: ...

    async def person_of(self, identity: str) -> PersonRecord | None:
        """The person holding the identity ``channel:author id``."""
        ...

    async def people_with(self, terms: Sequence[str], *, limit: int = 50) -> list[PersonRecord]:
        """People having any of the terms (``email:…``, ``tax_id:…``, ``group:…``)."""
        ...

    async def list_people(self, query: PersonQuery) -> tuple[list[PersonRecord], bool]:
        """A page by name then id, and whether another page follows."""
        ...

    async def write_people(
        self,
        *,
        save: Sequence[PersonRecord],
        delete: Sequence[PersonRecord] = (),
        events: Sequence[Event] = (),
    ) -> list[PersonRecord]:
        """Store every person of ``save`` (each at the version it was read at, 0 for a new
        one) and remove ``delete``; each identity then belongs to the person that lists it;
        ``events`` go to the outbox with the write. Returns the saved people, one version
        higher. Raises StalePerson when one of them
        changed meanwhile and IdentityTaken when a person outside this write holds one of
        the identities; nothing is written then (SQLite: one transaction; MongoDB: see its
        adapter for the order of its writes)."""
        ...
