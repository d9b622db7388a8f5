"""Accounts' credentials encrypted at rest (Fernet: AES-128-CBC + HMAC-SHA256, from the
well-kept ``cryptography``). The store only ever holds the token; clear credentials exist only
in memory, and are never returned or logged."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from pydantic import SecretStr

from ingestor.settings import IngestorSettings

log = logging.getLogger("ingestor")

KEY_FILE = "ingestor.credentials-key"


def load_key(settings: IngestorSettings) -> bytes:
    """INGESTOR_CREDENTIALS_KEY, or in development the key kept under the data dir, made on
    first start (so `make run` needs no set-up and restarts can still read what was stored).
    Production without the variable never gets here (the settings refuse to load)."""
    if settings.credentials_key:
        key = settings.credentials_key.encode()
        Fernet(key)  # a malformed key fails the start, not the first account write
        return key
    path = Path(settings.data_dir) / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside then linked into place: replicas starting together never read a
        # half-written key, and the first link wins.
        draft = path.with_name(f"{KEY_FILE}.{os.getpid()}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as file:
            file.write(Fernet.generate_key())
        try:
            os.link(draft, path)
            log.info("generated a development credentials key at %s", path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_bytes().strip()


class Vault:
    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    def seal(self, credentials: dict[str, SecretStr]) -> bytes:
        clear = {name: secret.get_secret_value() for name, secret in credentials.items()}
        return self._fernet.encrypt(json.dumps(clear).encode())

    def open(self, token: bytes) -> dict[str, str]:
        """The clear credentials, for a connector's call to its network."""
        try:
            data: dict[str, str] = json.loads(self._fernet.decrypt(token))
        except InvalidToken as exc:
            raise ValueError("credentials were sealed with another key") from exc
        return data
