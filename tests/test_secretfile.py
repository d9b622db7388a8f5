"""`make run`'s secrets: random on the first start, the same on the next, readable by the owner
only, and overridden by the environment."""

from __future__ import annotations

import stat
from pathlib import Path

from devtools import secretfile


def test_first_start_generates_secrets_that_the_next_start_reuses(tmp_path: Path) -> None:
    first = secretfile.load_or_create(tmp_path, environ={})
    assert set(first) == set(secretfile.NAMES)
    assert all(len(value) >= 32 for value in first.values())
    assert len(set(first.values())) == len(first)
    path = tmp_path / secretfile.FILE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert secretfile.load_or_create(tmp_path, environ={}) == first


def test_the_environment_wins_over_the_file(tmp_path: Path) -> None:
    first = secretfile.load_or_create(tmp_path, environ={})
    mine = "mine-" + "x" * 40
    chosen = secretfile.load_or_create(tmp_path, environ={"SOCIALDESK_ADMIN_TOKEN": mine})
    assert chosen["SOCIALDESK_ADMIN_TOKEN"] == mine
    assert chosen["SOCIALDESK_JWT_SECRET"] == first["SOCIALDESK_JWT_SECRET"]
