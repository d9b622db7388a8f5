"""``python -m devtools.fakenets --port 8090``."""

from __future__ import annotations

import argparse

import uvicorn

from devtools.fakenets.app import create_app

parser = argparse.ArgumentParser(description="Local fake social networks")
parser.add_argument("--port", type=int, default=8090)
args = parser.parse_args()
uvicorn.run(create_app(), host="127.0.0.1", port=args.port, log_level="warning")
