"""`make dlq`: the queues and their dead letters from the command line, through the gateway's
admin API (so it needs only the gateway's address and the admin token, and does exactly what
the API does: the same order-keeping reads and idempotent replays).

    python -m devtools.dlq                           every queue, its depth, consumers, DLQ depth
    python -m devtools.dlq QUEUE                     QUEUE's dead letters with their cause
    python -m devtools.dlq QUEUE --replay [--dry-run] [--id ID ...]

SOCIALDESK_GATEWAY_URL (http://127.0.0.1:8000) and SOCIALDESK_ADMIN_TOKEN say where and who."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

import httpx


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make dlq", description=__doc__.split("\n\n")[0])
    parser.add_argument("queue", nargs="?", help="a consumer queue, e.g. ticketing.interactions")
    parser.add_argument("--replay", action="store_true", help="put dead letters back")
    parser.add_argument("--dry-run", action="store_true", help="with --replay: only report")
    parser.add_argument("--id", action="append", default=[], help="replay only this one")
    parser.add_argument("--offset", type=int, default=0)
    parser.add_argument("--limit", type=int, default=50)
    args = parser.parse_args(argv)
    if (args.replay or args.id or args.dry_run) and not args.queue:
        parser.error("--replay, --id and --dry-run need a QUEUE")
    gateway = os.environ.get("SOCIALDESK_GATEWAY_URL", "http://127.0.0.1:8000")
    token = os.environ.get("SOCIALDESK_ADMIN_TOKEN", "dev-admin-token")
    with httpx.Client(
        base_url=gateway, headers={"Authorization": f"Bearer {token}"}, timeout=120
    ) as client:
        try:
            if args.queue is None:
                print_queues(_answer(client.get("/v1/admin/queues")))
            elif args.replay or args.id:
                body = {"ids": args.id or None, "dry_run": args.dry_run}
                print_replay(_answer(client.post(f"/v1/admin/dlq/{args.queue}/replay", json=body)))
            else:
                params = {"offset": args.offset, "limit": args.limit}
                print_dead_letters(
                    _answer(client.get(f"/v1/admin/dlq/{args.queue}", params=params))
                )
        except httpx.TransportError as exc:
            print(f"cannot reach the gateway at {gateway}: {exc}", file=sys.stderr)
            return 2
        except Refused as exc:
            print(exc, file=sys.stderr)
            return 1
    return 0


class Refused(Exception):
    pass


def _answer(response: httpx.Response) -> Any:
    if response.is_success:
        return response.json()
    try:
        detail = response.json().get("detail")
    except ValueError:
        detail = response.text
    raise Refused(f"{response.status_code}: {detail}")


def print_queues(page: dict[str, Any]) -> None:
    print(f"{'queue':<28} {'kind':<9} {'ready':>7} {'consumers':>9} {'dead letters':>12}")
    for q in page["queues"]:
        ready = "missing" if not q["exists"] else q["messages"]
        dead = (
            "" if q["dlq"] is None else q["dlq_messages"] if q["dlq_messages"] is not None else "-"
        )
        print(f"{q['name']:<28} {q['kind']:<9} {ready:>7} {q['consumers'] or 0:>9} {dead:>12}")
    print(f"\n{page['dead_letters']} dead letter(s) in all; `make dlq QUEUE=<queue>` lists them")


def print_dead_letters(page: dict[str, Any]) -> None:
    shown = page["items"]
    print(f"{page['dlq']}: {page['total']} dead letter(s)", end="")
    if shown:
        print(f", showing {shown[0]['position'] + 1}-{shown[-1]['position'] + 1}")
    else:
        print()
    for item in shown:
        print(
            f"\n#{item['position'] + 1}  id {item['id']}  {item['routing_key']}  "
            f"{item['events']} event(s)  failed {item['failed_at'] or '?'}  "
            f"({item['reason']}, {item['attempts']} retries, replayed {item['replayed']}x)"
        )
        print(f"  cause: {item['cause'][:500]}")
        print(f"  body:  {item['body'][:300]}")


def print_replay(result: dict[str, Any]) -> None:
    chosen = len(result["selected"])
    if result["dry_run"]:
        print(f"dry run: would replay {chosen} of the {result['scanned']} in {result['queue']}.dlq")
    else:
        print(f"replayed {result['replayed']} of the {result['scanned']} in {result['queue']}.dlq")
    for identity in result["selected"]:
        print(f"  {identity}")
    if result["not_found"]:
        print(f"not in the DLQ: {', '.join(result['not_found'])}")


if __name__ == "__main__":
    sys.exit(main())
