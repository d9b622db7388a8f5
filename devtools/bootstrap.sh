#!/usr/bin/env bash
# Install what `make run` / `make test` need on a fresh machine: uv, the workspace's
# dependencies (from uv.lock), and a running RabbitMQ on 127.0.0.1:5672.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v uv >/dev/null 2>&1; then
  echo "bootstrap: installing uv…"
  python3 -m pip install --quiet --disable-pip-version-check "uv>=0.5" \
    || python3 -m pip install --quiet --user "uv>=0.5"
  export PATH="$HOME/.local/bin:$PATH"
fi
uv sync --frozen --quiet
bash devtools/rabbitmq.sh

# The console's browser tests drive Debian's Chromium (Playwright's own browser download
# cannot reach its servers from these machines). Without it those tests fail, never skip.
if [ ! -x /usr/bin/chromium ]; then
  echo "bootstrap: installing chromium (as root) for the console's browser tests…"
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium
  fi
fi
