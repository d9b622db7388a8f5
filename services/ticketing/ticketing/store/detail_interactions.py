"""A ticket's interactions for its detail page, from their stored bodies: as models and as
the JSON the page sends (issue 8 part 6).

Each stored body is validated once: the model it gives is kept, keyed by the body's exact
text, with its JSON cut where its ticket and its author's groups go (those two are the
reader's, not the body's: ``ticket_id`` is stored null, and the groups are read anew). A read
copies the kept model with the two fields set, and writes the page's interactions by joining
the kept pieces around them. Validating and serialising every interaction on every read had
been a third of ticketing's CPU per detail page (10 interactions, ~110 of ~330 µs in one
process). Validation and serialisation depend on the text alone, so the kept model and
pieces are what doing both again would give: the page is the same, byte for byte (the store
tests compare it with the model's serialisation)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple
from uuid import UUID, uuid4

from pydantic import ValidationError
from pydantic_core import to_json

from contracts.tickets import StoredInteraction
from ticketing.store.codec import STORED_INTERACTIONS

KEPT = 4096
"""How many validated bodies are kept at most; the first read longest ago go first."""

KEPT_CHARACTERS = 16_000_000
"""And how much of their text: a body may hold 100,000 characters of text and a network's
payload, so a few thousand large ones are not kept all at once."""

Pieces = tuple[bytes, bytes, bytes]
"""An interaction's JSON before its ticket id, between it and its groups, and after them."""


class Kept(NamedTuple):
    model: StoredInteraction
    pieces: Pieces | None  # None: written by pydantic on each read


class Interactions(NamedTuple):
    models: list[StoredInteraction]
    json: bytes
    """``models`` as pydantic writes the list: ``TicketDetail``'s ``interactions``."""


_kept: dict[str, Kept] = {}
_kept_characters = 0
_keeping = threading.Lock()

# Stand-ins written where the two fields go, to find the places: random per process, so no
# text a customer sends can hold them.
_TICKET_MARK = uuid4()
_GROUPS_MARK = f"groups-{uuid4().hex}"
_TICKET_JSON = to_json(_TICKET_MARK)
_GROUPS_JSON = to_json([_GROUPS_MARK])


def interactions_of_detail(
    bodies: Iterable[tuple[str, str]], ticket_id: str, groups: Mapping[str, list[str]]
) -> Interactions:
    """The interactions from their stored bodies, each given as (body, author's identity
    key), with the ticket and the author's ``groups``, which win over what the body holds
    (the contract suite checks it)."""
    pairs = list(bodies)
    kept = [_kept.get(body) for body, _ in pairs]
    fresh = [(body, "") for (body, _), k in zip(pairs, kept, strict=True) if k is None]
    if fresh:
        try:
            validated = iter(_validated(fresh, None, {}))
        except ValidationError:  # raised as the whole page gives it (its index in the page)
            _validated(pairs, ticket_id, groups)
            raise
        for i, k in enumerate(kept):
            if k is None:
                kept[i] = _keep(pairs[i][0], next(validated))
    ticket = UUID(ticket_id)
    ticket_json = to_json(ticket)
    models, parts = [], []
    written: dict[str, bytes] = {}  # each author's groups once
    for k, (_, key) in zip(kept, pairs, strict=True):
        assert k is not None
        shown = groups.get(key, [])
        model = k.model.model_copy(update={"ticket_id": ticket, "author_groups": shown})
        models.append(model)
        if k.pieces is None:
            parts.append(to_json(model))
            continue
        if (groups_json := written.get(key)) is None:
            groups_json = written[key] = to_json(shown)
        head, middle, tail = k.pieces
        parts.append(b"".join((head, ticket_json, middle, groups_json, tail)))
    return Interactions(models, b"[" + b",".join(parts) + b"]")


def _validated(
    pairs: Sequence[tuple[str, str]], ticket_id: str | None, groups: Mapping[str, list[str]]
) -> list[StoredInteraction]:
    """The bodies parsed and validated in one call, each with the ticket and its author's
    groups appended to its JSON object (a JSON object's later key wins, in pydantic's parser
    as in Python's), without a dict per interaction or a copy per field set."""
    ticket = json.dumps(ticket_id)
    # One tail per author, not per interaction: json.dumps was a tenth of the read (cProfile).
    tails: dict[str, str] = {}
    parts = []
    for body, key in pairs:
        tail = tails.get(key)
        if tail is None:
            tail = tails[key] = (
                f',"ticket_id":{ticket},"author_groups":{json.dumps(groups.get(key, []))}}}'
            )
        parts.append(body[: body.rindex("}")] + tail)
    return STORED_INTERACTIONS.validate_json(f"[{','.join(parts)}]")


def _keep(body: str, model: StoredInteraction) -> Kept:
    marked = to_json(
        model.model_copy(update={"ticket_id": _TICKET_MARK, "author_groups": [_GROUPS_MARK]})
    )
    pieces: Pieces | None = None
    if marked.count(_TICKET_JSON) == 1 and marked.count(_GROUPS_JSON) == 1:
        head, _, rest = marked.partition(_TICKET_JSON)
        middle, _, tail = rest.partition(_GROUPS_JSON)
        pieces = (head, middle, tail)
    kept = Kept(model, pieces)
    global _kept_characters
    with _keeping:  # each store reads on a thread of its own
        while _kept and (len(_kept) >= KEPT or _kept_characters + len(body) > KEPT_CHARACTERS):
            oldest = next(iter(_kept))
            del _kept[oldest]
            _kept_characters -= len(oldest)
        if len(body) <= KEPT_CHARACTERS and body not in _kept:
            # Models are frozen: one kept is shared safely by every page that copies it.
            _kept[body] = kept
            _kept_characters += len(body)
    return kept
