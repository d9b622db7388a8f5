#!/usr/bin/env bash
# Make sure a RabbitMQ server answers on 127.0.0.1:5672: install it from Debian if absent,
# start it (bound to loopback) if stopped, and wait until it is ready.
set -euo pipefail

port_open() { (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; }

if [ -n "${RABBITMQ_URL:-}" ] && [[ "${RABBITMQ_URL}" != *"127.0.0.1"* && "${RABBITMQ_URL}" != *"localhost"* ]]; then
  echo "rabbitmq: using ${RABBITMQ_URL%%@*}@… (not local; not managed here)"
  exit 0
fi
if port_open && rabbitmq-diagnostics -q ping >/dev/null 2>&1; then
  echo "rabbitmq: running on 127.0.0.1:5672"
  exit 0
fi
if ! command -v rabbitmq-server >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "rabbitmq: not installed; install RabbitMQ or set RABBITMQ_URL" >&2
    exit 1
  fi
  echo "rabbitmq: installing from Debian packages…"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rabbitmq-server >/dev/null
fi
if ! port_open; then
  echo "rabbitmq: starting…"
  RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 ERL_EPMD_ADDRESS=127.0.0.1 rabbitmq-server -detached
fi
for _ in $(seq 1 120); do
  if port_open && rabbitmq-diagnostics -q ping >/dev/null 2>&1; then
    echo "rabbitmq: running on 127.0.0.1:5672"
    exit 0
  fi
  sleep 0.5
done
echo "rabbitmq: did not become ready within 60 s" >&2
exit 1
