"""Limits on files people send through the gateway: refused before anything is recorded,
with a reason a person can act on."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import HTTPException, status

from contracts.opinions import (
    ALLOWED_ATTACHMENT_TYPES,
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS_TOTAL_BYTES,
    AttachmentUpload,
)


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB"


def check(attachments: Sequence[AttachmentUpload]) -> None:
    """413 for a file or a set of files too large, 415 for a type that is not a document
    or an image."""
    total = 0
    for attachment in attachments:
        if attachment.content_type not in ALLOWED_ATTACHMENT_TYPES:
            raise HTTPException(
                status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
                f"{attachment.filename}: files of type {attachment.content_type!r} cannot be "
                "attached; send a document (PDF, text, office file) or an image "
                "(PNG, JPEG, GIF, WebP).",
            )
        size = attachment.decoded_size()
        if size > MAX_ATTACHMENT_BYTES:
            raise HTTPException(
                status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
                f"{attachment.filename} is {_mib(size)}; each file can be at most "
                f"{_mib(MAX_ATTACHMENT_BYTES)}.",
            )
        total += size
    if total > MAX_ATTACHMENTS_TOTAL_BYTES:
        raise HTTPException(
            status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            f"the files add up to {_mib(total)}; together they can be at most "
            f"{_mib(MAX_ATTACHMENTS_TOTAL_BYTES)}.",
        )
