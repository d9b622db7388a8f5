"""Opinion requests (F31). Agents share a ticket with an outside collaborator; the
collaborator opens the e-mailed link without logging in, reads the ticket and answers once.
The link's page is HTML for browsers and JSON for everything else (by ``Accept``)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from pydantic import ValidationError

from contracts.opinions import (
    OpinionAnswer,
    OpinionRequestCreate,
    OpinionRequestRead,
)
from contracts.rpc import Caller
from contracts.rpc_notifier import NotifierMethod, OpinionAnswerParams, OpinionViewParams
from contracts.rpc_ticketing import OpinionRequesting, TicketingMethod
from contracts.topology import NOTIFIER_RPC, TICKETING_RPC
from gateway import attachments, limits
from gateway.deps import CurrentCaller, ServicesDep
from gateway.errors import unprocessable

router = APIRouter(tags=["opinion requests"])

pages = Environment(
    loader=PackageLoader("gateway", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default=True),
    undefined=StrictUndefined,
)

COLLABORATOR = Caller(id="collaborator", role="system")
"""Whoever holds an opinion link: the link itself is the credential, checked by the notifier."""

PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
"""The token in the URL is the credential: no cache keeps the page, no Referer carries it."""

REFUSALS = {
    404: {"description": "The link is not valid (nothing about any ticket is revealed)"},
    410: {"description": "The link expired, or the opinion was already sent"},
    429: {"description": "Too many requests to opinion links from this address"},
}


@router.post(
    "/v1/tickets/{ref}/opinion-requests",
    response_model=OpinionRequestRead,
    status_code=status.HTTP_201_CREATED,
    responses={
        404: {"description": "No such ticket"},
        413: {"description": "An attachment, or all of them together, is too large"},
        415: {"description": "An attachment is not a document or an image"},
        422: unprocessable("A file name with control characters, or content not its type"),
    },
)
async def request_opinion(
    ref: str, request: OpinionRequestCreate, caller: CurrentCaller, services: ServicesDep
) -> Any:
    """Share the ticket with a collaborator by e-mail, with an optional note and
    attachments (base64; each ≤ 5 MiB, ≤ 10 MiB together; documents and images). The ticket
    gets the tag `Waiting_Opinion` and a history entry; the collaborator gets a link that
    works once and expires (`NOTIFIER_OPINION_TTL_HOURS`)."""
    request = request.model_copy(update={"attachments": attachments.cleaned(request.attachments)})
    return await services.call(
        TICKETING_RPC,
        TicketingMethod.OPINIONS_REQUEST,
        OpinionRequesting(ref=ref, request=request),
        caller,
    )


def _wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "application/json" not in accept


def page_language(accept_language: str) -> str:
    """Portuguese for browsers that put it before English, else English."""
    ranked = [part.split(";")[0].strip().lower() for part in accept_language.split(",")]
    for tag in ranked:
        if tag.startswith("pt"):
            return "pt-BR"
        if tag.startswith("en"):
            return "en"
    return "pt-BR"


def _page(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    language = page_language(request.headers.get("accept-language", ""))
    template = pages.get_template(f"{language}/{name}")
    return HTMLResponse(template.render(**context), status_code=status_code, headers=PRIVATE)


async def _call(
    services: ServicesDep,
    request: Request,
    method: NotifierMethod,
    params: OpinionViewParams,
    html: bool,
) -> tuple[Any, HTMLResponse | None]:
    """The notifier's answer; for a browser, a refusal becomes a page saying why."""
    if not html:
        return await services.call(NOTIFIER_RPC, method, params, COLLABORATOR), None
    reply = await services.reply(NOTIFIER_RPC, method, params, COLLABORATOR)
    if reply.error is None:
        return reply.result, None
    if reply.error.status >= 500:
        raise HTTPException(reply.error.status, reply.error.detail)
    refused = _page(request, "opinion_refused.html.j2", reply.error.status, code=reply.error.code)
    return None, refused


@router.get("/v1/opinions/{token}", responses=REFUSALS, dependencies=[Depends(limits.opinion_rate)])
async def view_opinion_request(
    token: str, request: Request, response: Response, services: ServicesDep
) -> Any:
    """What the link shows: the ticket, its interactions and the agent's note."""
    response.headers.update(PRIVATE)
    html = _wants_html(request)
    shared, refused = await _call(
        services, request, NotifierMethod.VIEW_OPINION, OpinionViewParams(token=token), html
    )
    if refused is not None:
        return refused
    if html:
        return _page(request, "opinion.html.j2", shared=shared, action=request.url.path)
    return shared


async def _read_answer(request: Request) -> tuple[OpinionAnswer, bool]:
    """JSON from API clients; a form post from the HTML page."""
    content_type = request.headers.get("content-type", "")
    try:
        if content_type.startswith("application/x-www-form-urlencoded"):
            form = parse_qs((await request.body()).decode(), keep_blank_values=True)
            return OpinionAnswer(text=form.get("text", [""])[0]), True
        return OpinionAnswer.model_validate_json(await request.body()), False
    except ValidationError as exc:
        errors = [
            {**e, "loc": ["body", *e["loc"]]}
            for e in exc.errors(include_url=False, include_context=False, include_input=False)
        ]
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, errors) from exc


# The body is read by hand (JSON or a form), so its schema is given to the docs explicitly;
# AttachmentUpload is in the components already (the share request uses it).
ANSWER_SCHEMA = {
    key: value
    for key, value in OpinionAnswer.model_json_schema(
        ref_template="#/components/schemas/{model}"
    ).items()
    if key != "$defs"
}

AnswerBody = Annotated[tuple[OpinionAnswer, bool], Depends(_read_answer)]


@router.post(
    "/v1/opinions/{token}",
    dependencies=[Depends(limits.opinion_rate)],
    responses={**REFUSALS, 413: {"description": "The attachment is too large"}},
    openapi_extra={"requestBody": {"content": {"application/json": {"schema": ANSWER_SCHEMA}}}},
)
async def answer_opinion_request(
    token: str, request: Request, response: Response, answer: AnswerBody, services: ServicesDep
) -> Any:
    """Send the one answer: `{"text": ..., "attachment": {filename, content_type,
    content_base64}}`. A second answer, or one after the link expired, gets 410."""
    response.headers.update(PRIVATE)
    reply, from_form = answer
    if reply.attachment is not None:
        (attachment,) = attachments.cleaned([reply.attachment])
        reply = reply.model_copy(update={"attachment": attachment})
    params = OpinionAnswerParams(token=token, answer=reply)
    result, refused = await _call(
        services, request, NotifierMethod.ANSWER_OPINION, params, from_form
    )
    if refused is not None:
        return refused
    if from_form:
        return _page(request, "opinion_sent.html.j2")
    return result
