"""`make run`: the whole system on this machine, until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from devtools import localnets, secretfile
from devtools.launcher import SERVICES, Stack


def parse_replicas(values: list[str]) -> dict[str, int]:
    replicas = {}
    for value in values:
        name, _, count = value.partition("=")
        if name not in {s.name for s in SERVICES} or not count.isdigit() or int(count) < 1:
            raise SystemExit(f"--replicas wants SERVICE=N with N >= 1, got {value!r}")
        replicas[name] = int(count)
    return replicas


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=Path("var"))
    parser.add_argument(
        "--replicas",
        nargs="*",
        default=[],
        metavar="SERVICE=N",
        help="run N processes of a service, e.g. ticketing=3",
    )
    parser.add_argument(
        "--no-fakes",
        action="store_true",
        help="do not start the fake networks (devtools.fakenets) nor point the ingestor at them",
    )
    args = parser.parse_args()
    data_dir = args.data_dir.resolve()
    secrets = secretfile.load_or_create(data_dir)
    nets = {} if args.no_fakes else localnets.ingestor_env()
    stack = Stack(
        data_dir=data_dir, env={**secrets, **nets}, replicas=parse_replicas(args.replicas)
    )
    fakes = None if args.no_fakes else localnets.start(stack.url("ingestor"), nets)
    secrets_path = data_dir / secretfile.FILE_NAME
    stopping = threading.Event()
    # Set explicitly: a shell that starts us in the background leaves SIGINT ignored.
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop_signal, lambda *_: stopping.set())
    try:
        stack.start()
        stack.wait_healthy(timeout=90)
        print("\nSocialdesk is running:")
        print(
            f"  gateway   {stack.url('gateway')}  (API docs: {stack.url('gateway')}/docs;"
            " admin token: SOCIALDESK_ADMIN_TOKEN)"
        )
        print(
            f"  ingestor  {stack.url('ingestor')}  (POST /v1/interactions with X-Api-Key:"
            " SOCIALDESK_INGEST_KEY)"
        )
        print(f"  secrets   {secrets_path} (mode 0600; `source` it to use them in a shell)")
        for name in ("rules", "ticketing", "notifier"):
            print(f"  {name:<9} {stack.url(name)}/healthz")
        print(f"  SMTP sink 127.0.0.1:{stack.smtp_port} -> {stack.mail_dir}/*.eml")
        print(f"  data      {stack.data_dir} (SQLite unless MONGODB_URL is set)")
        if fakes is not None:
            print(
                f"  fake networks {localnets.URL} (webhooks to the ingestor, polled by it;"
                " `make demo` feeds them)"
            )
        print("Press Ctrl-C to stop.\n", flush=True)
        stopping.wait()
    except Exception as exc:
        print(f"make run: {exc}", file=sys.stderr)
        stack.stop()
        if fakes is not None:
            fakes.terminate()
        raise SystemExit(1) from exc
    print("\nstopping…", flush=True)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    stack.stop()
    if fakes is not None:
        fakes.terminate()
        fakes.wait(timeout=10)
    print("stopped.")


if __name__ == "__main__":
    main()
