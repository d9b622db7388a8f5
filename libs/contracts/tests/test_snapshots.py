"""The snapshot check itself: a snapshot that no longer equals its model fails (so snapshots
cannot go stale), a refresh writes a compatible change, and a breaking change is refused
whether refreshing or not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import BaseModel

from .snapshots import REFRESH, check_snapshot


class Published(BaseModel):
    text: str


class Grown(BaseModel):
    text: str
    language: str | None = None


class Broken(BaseModel):
    text: int


def snapshot_of(model: type[BaseModel], schemas: Path, name: str) -> None:
    (schemas / f"{name}.json").write_text(json.dumps(model.model_json_schema()))


def test_a_snapshot_equal_to_its_model_passes(tmp_path: Path) -> None:
    snapshot_of(Published, tmp_path, "Published")
    check_snapshot(Published, tmp_path)


def test_a_compatible_change_fails_until_the_snapshot_is_refreshed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    snapshot_of(Published, tmp_path, "Grown")
    monkeypatch.delenv(REFRESH, raising=False)
    with pytest.raises(AssertionError, match="stale"):
        check_snapshot(Grown, tmp_path)
    monkeypatch.setenv(REFRESH, "1")
    check_snapshot(Grown, tmp_path)
    monkeypatch.delenv(REFRESH)
    check_snapshot(Grown, tmp_path)
    assert "language" in json.loads((tmp_path / "Grown.json").read_text())["properties"]


@pytest.mark.parametrize("refreshing", [False, True])
def test_a_breaking_change_is_refused_and_never_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, refreshing: bool
) -> None:
    snapshot_of(Published, tmp_path, "Broken")
    kept = (tmp_path / "Broken.json").read_text()
    if refreshing:
        monkeypatch.setenv(REFRESH, "1")
    else:
        monkeypatch.delenv(REFRESH, raising=False)
    with pytest.raises(AssertionError, match="incompatibly"):
        check_snapshot(Broken, tmp_path)
    assert (tmp_path / "Broken.json").read_text() == kept


def test_a_contract_without_a_snapshot_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(REFRESH, raising=False)
    with pytest.raises(AssertionError, match="no snapshot"):
        check_snapshot(Published, tmp_path)


def test_examples_a_service_adds_for_its_openapi_are_not_contract(tmp_path: Path) -> None:
    snapshot_of(Published, tmp_path, "Published")
    Published.model_config["json_schema_extra"] = {"examples": [{"text": "oi"}]}
    try:
        check_snapshot(Published, tmp_path)
    finally:
        del Published.model_config["json_schema_extra"]
