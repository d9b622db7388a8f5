"""Asking an outside colleague for an opinion from the ticket page (F31), in a real browser:
the agent fills the form with the colleague's e-mail, a question and a file; the colleague's
mail arrives at the SMTP sink with the file; the page shows the request waiting, then
answered once the colleague answers through the mailed link. A file the API would refuse is
refused with its reason, and the section passes axe-core."""

from __future__ import annotations

from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

from devtools.launcher import Stack
from tests.console.browser import invite_and_set_password, serious_violations, sign_in
from tests.console.test_console import open_ticket_in_level
from tests.notifier_support import opinion_link, text_of
from tests.people import level
from tests.support import mails_to, unique, wait_until


def requests_shown(page: Page) -> object:
    return page.locator("li.opinion-request")


def test_the_agent_asks_a_colleague_whose_mail_arrives_and_the_page_follows_the_answer(
    stack: Stack, gateway: httpx.Client, ingestor: httpx.Client, page: Page, tmp_path: Path
) -> None:
    desk = level(gateway)["name"]
    person = invite_and_set_password(gateway, stack, page, levels=[desk])
    ticket = open_ticket_in_level(gateway, ingestor, desk, "Cobrança indevida em outubro")
    colleague = f"{unique('juridico')}@example.com"
    contract = tmp_path / "contrato.pdf"
    contract.write_bytes(b"%PDF-1.4 contrato de outubro")
    sign_in(page, person["email"])

    page.goto(f"/tickets/{ticket['protocol']}")
    expect(page.get_by_text("No opinion requested yet.")).to_be_visible()
    assert serious_violations(page) == []
    page.get_by_label("Colleague's e-mail").fill(colleague)
    page.get_by_label("Question").fill("Procede a cobrança?")
    page.get_by_label("Attachment (optional)").set_input_files(contract)
    page.get_by_role("button", name="Ask for an opinion").click()

    expect(page.get_by_role("status")).to_have_text("Saved.")
    shown = page.locator("li.opinion-request").filter(has_text=colleague)
    expect(shown).to_contain_text("waiting for an answer")
    expect(shown).to_contain_text("Procede a cobrança?")
    expect(shown).to_contain_text("contrato.pdf")
    [mail] = wait_until(
        lambda: mails_to(stack.mail_dir, colleague), timeout=30, what="the colleague's mail"
    )
    assert str(ticket["protocol"]) in mail["Subject"]
    assert "Procede a cobrança?" in text_of(mail)
    [attached] = [p for p in mail.walk() if p.get_filename()]
    assert attached.get_filename() == "contrato.pdf"
    assert attached.get_payload(decode=True) == b"%PDF-1.4 contrato de outubro"

    answered = httpx.post(opinion_link(mail), json={"text": "Não procede: o plano mudou."})
    assert answered.status_code == 200, answered.text

    def shown_answered() -> bool | None:
        page.reload()
        return "answered" in (shown.text_content() or "") or None

    wait_until(shown_answered, timeout=30, what="the request shown answered")
    expect(page.locator("ol.history")).to_contain_text("Não procede: o plano mudou.")


def test_a_file_the_api_refuses_is_refused_with_its_reason_and_no_mail_leaves(
    stack: Stack, gateway: httpx.Client, ingestor: httpx.Client, page: Page, tmp_path: Path
) -> None:
    desk = level(gateway)["name"]
    person = invite_and_set_password(gateway, stack, page, levels=[desk])
    ticket = open_ticket_in_level(gateway, ingestor, desk, "Arquivo estranho")
    colleague = f"{unique('ti')}@example.com"
    program = tmp_path / "nota.exe"
    program.write_bytes(b"MZ\x90\x00 not a document")
    sign_in(page, person["email"])

    page.goto(f"/tickets/{ticket['protocol']}")
    page.get_by_label("Colleague's e-mail").fill(colleague)
    page.get_by_label("Attachment (optional)").set_input_files(program)
    page.get_by_role("button", name="Ask for an opinion").click()

    expect(page.get_by_role("alert")).to_contain_text("nota.exe")
    page.goto(f"/tickets/{ticket['protocol']}")
    expect(page.get_by_text("No opinion requested yet.")).to_be_visible()
    assert mails_to(stack.mail_dir, colleague) == []
