"""Limits on files people send through the gateway: refused before anything is recorded or
queued, with a reason a person can act on.

A file is what its bytes are, not what the client declares: the type is read from the content
(``filetype``, magic numbers), so a Windows executable declared ``image/png`` is refused. The
name is reduced to a safe base name (``../../report.png`` is ``report.png``) and one with a line
break or another control character is refused: it would end up in a mail header."""

from __future__ import annotations

from collections.abc import Sequence

import filetype
from fastapi import HTTPException, status

from contracts.opinions import (
    ALLOWED_ATTACHMENT_TYPES,
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS_TOTAL_BYTES,
    AttachmentUpload,
    has_control_characters,
    safe_basename,
)

TEXT_TYPES = frozenset({"text/plain", "text/csv"})
"""Text has no magic number: it is accepted as text when it decodes as UTF-8 without NULs."""
OLE2_TYPES = frozenset({"application/msword", "application/vnd.ms-excel"})
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
"""The old Office formats share one container, which ``filetype`` does not name."""


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB"


def _unprocessable(reason: str) -> HTTPException:
    return HTTPException(422, reason)


def _filename(name: str) -> str:
    if has_control_characters(name):
        raise _unprocessable(
            f"{name!r}: a file name cannot contain line breaks or other control characters"
        )
    base = safe_basename(name)
    if not base:
        raise _unprocessable(f"{name!r} is not a file name")
    return base


def _content_type(name: str, declared: str, content: bytes) -> str:
    """The type the bytes are; 415 for a type that is not a document or an image, 422 for
    content that is not what was declared."""
    if declared not in ALLOWED_ATTACHMENT_TYPES:
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            f"{name}: files of type {declared!r} cannot be attached; send a document (PDF, "
            "text, office file) or an image (PNG, JPEG, GIF, WebP).",
        )
    detected = filetype.guess_mime(content)
    if detected in ALLOWED_ATTACHMENT_TYPES:
        return str(detected)  # a JPEG declared image/png is mailed as the JPEG it is
    if detected is not None:
        raise _unprocessable(
            f"{name}: declared {declared!r} but the content is {detected!r}, which cannot be "
            "attached"
        )
    if declared in OLE2_TYPES and content.startswith(OLE2_MAGIC):
        return declared
    if declared in TEXT_TYPES and b"\x00" not in content:
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return declared
    raise _unprocessable(f"{name}: the content is not a {declared!r} file")


def cleaned(attachments: Sequence[AttachmentUpload]) -> list[AttachmentUpload]:
    """The attachments with safe names and the types their bytes are; 413 for a file or a set
    of files too large, 415 for a type that is not a document or an image, 422 for a bad name
    or content that is not what it claims."""
    total = 0
    result = []
    for attachment in attachments:
        name = _filename(attachment.filename)
        content = attachment.content()
        if len(content) > MAX_ATTACHMENT_BYTES:
            raise HTTPException(
                status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
                f"{name} is {_mib(len(content))}; each file can be at most "
                f"{_mib(MAX_ATTACHMENT_BYTES)}.",
            )
        total += len(content)
        kind = _content_type(name, attachment.content_type, content)
        result.append(attachment.model_copy(update={"filename": name, "content_type": kind}))
    if total > MAX_ATTACHMENTS_TOTAL_BYTES:
        raise HTTPException(
            status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            f"the files add up to {_mib(total)}; together they can be at most "
            f"{_mib(MAX_ATTACHMENTS_TOTAL_BYTES)}.",
        )
    return result
