"""Snapshots of the people contracts (issue #13: people, unification, groups). Same rule as
test_contracts: compatible additions pass, breaking changes fail; refresh with
`SOCIALDESK_UPDATE_SCHEMAS=1 make unit`."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from contracts.persons import (
    GroupCreate,
    GroupMember,
    GroupRead,
    PersonChangedV1,
    PersonDetail,
    PersonPage,
    PersonPatch,
    PersonQuery,
    PersonRead,
    PersonSplit,
    PersonSplitResult,
    PersonUnify,
    Proposal,
    UnificationSettings,
)

from .snapshots import check_snapshot

PERSON_CONTRACTS: list[type[BaseModel]] = [
    PersonRead,
    PersonDetail,
    PersonPage,
    PersonPatch,
    PersonQuery,
    Proposal,
    PersonUnify,
    PersonSplit,
    PersonSplitResult,
    GroupCreate,
    GroupRead,
    GroupMember,
    UnificationSettings,
    PersonChangedV1,
]


@pytest.mark.parametrize("contract", PERSON_CONTRACTS, ids=lambda c: c.__name__)
def test_person_contract_schema_is_compatible_with_its_snapshot(contract: type[BaseModel]) -> None:
    check_snapshot(contract)


def test_a_person_patch_refuses_an_address_that_is_not_one() -> None:
    with pytest.raises(ValidationError):
        PersonPatch.model_validate({"emails": ["not an address"]})


def test_a_group_name_is_a_word_not_any_text() -> None:
    with pytest.raises(ValidationError):
        GroupCreate.model_validate({"name": "<script>"})
    assert GroupCreate(name="Imprensa local").name == "Imprensa local"
