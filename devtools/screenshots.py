"""The README's screenshots of the console: docs/img/inbox.png and docs/img/ticket.png.

Run from the workspace root: ``.venv/bin/python devtools/screenshots.py``. It starts its own
stack (fresh secrets, its own RabbitMQ vhost), fills it with demo tickets from a few customers
the way bench/console.py does (the ingestor, a routing rule, an agent invited and signed in
through the mailed link), adds a note, and photographs the inbox and a ticket page in Debian's
Chromium (Playwright, as the console's tests; devtools/bootstrap.sh installs it)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from bench.console import PORT_OFFSET, SECRETS, seed, signed_in  # noqa: E402
from devtools.launcher import Stack  # noqa: E402
from devtools.vhost import isolated_vhost  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
OUT = ROOT / "docs" / "img"


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="socialdesk-screenshots-"))
    with isolated_vhost("socialdesk-screenshots") as url:
        stack = Stack(
            data_dir=work / "data",
            env={**SECRETS, "RABBITMQ_URL": url, "SOCIALDESK_LOG_LEVEL": "WARNING"},
            port_offset=PORT_OFFSET,
            log_dir=work / "logs",
        )
        stack.start()
        try:
            stack.wait_healthy(timeout=120)
            agent, opened = seed(stack, 12)
            cookie, _ = signed_in(stack, agent)
            ticket = opened[-1]
            agent["admin"].post(
                f"/v1/tickets/{ticket['id']}/notes",
                json={"text": "Cliente enviou a nota fiscal; conferindo com a transportadora."},
            )
            OUT.mkdir(parents=True, exist_ok=True)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
                )
                context = browser.new_context(
                    base_url=stack.url("gateway"), viewport={"width": 1280, "height": 800}
                )
                context.add_cookies(
                    [{"name": "sd_session", "value": cookie, "url": stack.url("gateway")}]
                )
                page = context.new_page()
                page.goto("/")
                page.get_by_role("heading", name="Inbox").wait_for()
                page.screenshot(path=OUT / "inbox.png")
                page.goto(f"/tickets/{ticket['protocol']}")
                page.locator("section.author-panel .other-tickets").wait_for()
                page.screenshot(path=OUT / "ticket.png", full_page=True)
                browser.close()
        finally:
            stack.stop()
    print(f"wrote {OUT / 'inbox.png'} and {OUT / 'ticket.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
