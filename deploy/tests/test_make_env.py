"""`make up`'s deploy/.env: every secret compose.yaml requires, random, private, written once."""

from __future__ import annotations

import re
import stat
from pathlib import Path

from deploy import make_env, validate


def test_writes_every_secret_compose_requires_once_and_privately(tmp_path: Path) -> None:
    env_path = tmp_path / ".env"

    make_env.main(env_path)
    first = env_path.read_text()
    make_env.main(env_path)

    values = dict(re.findall(r"^(\w+)=(\S+)$", first, re.MULTILINE))
    required = set(re.findall(r"\$\{(\w+):\?", (validate.DEPLOY / "compose.yaml").read_text()))
    assert set(values) == required
    assert all(len(value) == 64 for value in values.values())
    assert len(set(values.values())) == len(values)
    assert stat.S_IMODE(env_path.stat().st_mode) == 0o600
    assert env_path.read_text() == first
