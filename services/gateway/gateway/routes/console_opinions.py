"""Asking an outside colleague for an opinion from the ticket page (F31): the API's
``POST /v1/tickets/{ref}/opinion-requests`` as a form with an e-mail, a question and one
optional file, as the signed-in agent. The form is multipart (it carries the file), so it is
read here rather than by ``session.CheckedForm``, with the same CSRF check; the file goes
through the API's own checks (``attachments.cleaned``: size, type, name), so the console
cannot send what the API would refuse. The requests' state is read from the history the
ticket page already loads (console/opinion_rows.py)."""

from __future__ import annotations

import base64
import hmac

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile

from contracts.credentials import SessionRead
from contracts.opinions import MAX_ATTACHMENT_BYTES, AttachmentUpload, OpinionRequestCreate
from contracts.rpc_ticketing import OpinionRequesting, TicketingMethod
from contracts.topology import TICKETING_RPC
from gateway import attachments
from gateway.console import session
from gateway.console.admin_calls import caller_of
from gateway.console.calls import Refused, call
from gateway.console.render import page
from gateway.deps import ServicesDep

router = APIRouter(include_in_schema=False)


async def _checked_form(request: Request) -> FormData:
    """The form (multipart, or urlencoded when it carries no file) once its CSRF token
    matches the browser's cookie (403 otherwise)."""
    kind = request.headers.get("content-type", "")
    if not kind.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, "send the page's form")
    # One file and a few fields; a text field larger than a file may be is no form of ours.
    fields = await request.form(max_files=1, max_fields=10, max_part_size=MAX_ATTACHMENT_BYTES)
    cookie = request.cookies.get(session.CSRF_COOKIE, "")
    sent = fields.get(session.CSRF_FIELD)
    token = sent if isinstance(sent, str) else ""
    if not cookie or not hmac.compare_digest(token, session.csrf_token(request, cookie)):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "the form's security token is missing or stale: reload the page and try again",
        )
    return fields


async def _uploads(fields: FormData) -> list[AttachmentUpload]:
    """The chosen file as the API's upload; none when the agent chose no file (browsers send
    an empty part without a name then)."""
    chosen = fields.get("attachment")
    if not isinstance(chosen, UploadFile) or not chosen.filename:
        return []
    content = await chosen.read()
    return [
        AttachmentUpload(
            filename=chosen.filename,
            content_type=chosen.content_type or "application/octet-stream",
            content_base64=base64.b64encode(content).decode(),
        )
    ]


def _text(fields: FormData, name: str) -> str:
    value = fields.get(name)
    return value if isinstance(value, str) else ""


@router.post("/tickets/{ref}/opinion-requests", response_class=HTMLResponse)
async def request_opinion(
    ref: str, request: Request, signed: session.Session, services: ServicesDep
) -> Response:
    fields = await _checked_form(request)
    try:
        create = OpinionRequestCreate(
            email=_text(fields, "email"),
            note=_text(fields, "note"),
            attachments=attachments.cleaned(await _uploads(fields)),
        )
        await call(
            services,
            TICKETING_RPC,
            TicketingMethod.OPINIONS_REQUEST,
            OpinionRequesting(ref=ref, request=create),
            caller_of(signed),
        )
    except ValidationError as exc:
        return _refused(request, signed, Refused.invalid(exc))
    except HTTPException as exc:  # the API's attachment checks: 413, 415, 422 with a reason
        if exc.status_code >= 500:
            raise
        return _refused(request, signed, Refused.because(exc.status_code, str(exc.detail)))
    except Refused as refusal:
        return _refused(request, signed, refusal)
    return RedirectResponse(f"/tickets/{ref}?saved=1#opinions", status_code=303)


def _refused(request: Request, signed: SessionRead, refusal: Refused) -> Response:
    return page(
        request,
        "refused.html.j2",
        language=signed.agent.language,
        agent=signed.agent,
        status_code=refusal.status,
        detail=refusal.detail,
    )
