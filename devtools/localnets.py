"""The fake networks (devtools.fakenets) beside `make run`: the ingestor is pointed at them
(webhook secrets, every network's base URL, quick polls), so `make demo` can feed the system
through the real webhooks and pollers. The webhook secrets are made for the run: the fakes
sign with them and the ingestor checks them."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Mapping

from devtools.launcher import ROOT

PORT = int(os.environ.get("SOCIALDESK_FAKENETS_PORT", "8090"))
URL = f"http://127.0.0.1:{PORT}"


def ingestor_env() -> dict[str, str]:
    """What the ingestor needs to take the fakes' webhooks and poll them."""
    env = {
        "INGESTOR_META_APP_SECRET": secrets.token_urlsafe(32),
        "INGESTOR_META_VERIFY_TOKEN": secrets.token_urlsafe(32),
        "INGESTOR_X_CONSUMER_SECRET": secrets.token_urlsafe(32),
        "INGESTOR_META_GRAPH_URL": f"{URL}/v21.0",
        "INGESTOR_POLL_TICK_SECONDS": "1",
    }
    for network in ("youtube", "google", "reclameaqui", "linkedin"):
        env[f"INGESTOR_{network.upper()}_BASE_URL"] = URL
        env[f"INGESTOR_{network.upper()}_POLL_SECONDS"] = "5"
    env["INGESTOR_META_POLL_SECONDS"] = "30"
    return env


def start(ingestor_url: str, env: Mapping[str, str]) -> subprocess.Popen[bytes]:
    """The fakes' server, signing with the secrets ``env`` gave the ingestor."""
    return subprocess.Popen(
        [sys.executable, "-m", "devtools.fakenets", "--port", str(PORT)],
        cwd=ROOT,
        env={
            **os.environ,
            "FAKENETS_META_APP_SECRET": env["INGESTOR_META_APP_SECRET"],
            "FAKENETS_META_VERIFY_TOKEN": env["INGESTOR_META_VERIFY_TOKEN"],
            "FAKENETS_META_WEBHOOK_URL": f"{ingestor_url}/webhooks/meta",
            "FAKENETS_X_CONSUMER_SECRET": env["INGESTOR_X_CONSUMER_SECRET"],
            "FAKENETS_X_WEBHOOK_URL": f"{ingestor_url}/webhooks/x",
        },
    )
