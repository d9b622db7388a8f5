"""A file is what its bytes are, under a name that cannot choose a path or break a header."""

from __future__ import annotations

import base64

import pytest
from fastapi import HTTPException

from contracts.opinions import AttachmentUpload
from gateway.attachments import cleaned

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64


def upload(name: str, kind: str, content: bytes) -> AttachmentUpload:
    return AttachmentUpload(
        filename=name, content_type=kind, content_base64=base64.b64encode(content).decode()
    )


def refusal(*uploads: AttachmentUpload) -> HTTPException:
    with pytest.raises(HTTPException) as refused:
        cleaned(uploads)
    return refused.value


def test_a_windows_executable_declared_as_an_image_is_refused() -> None:
    refused = refusal(upload("photo.png", "image/png", EXE))
    assert refused.status_code == 422
    assert "application/x-msdownload" in str(refused.detail)


def test_a_path_is_reduced_to_its_base_name() -> None:
    (kept,) = cleaned([upload("../../report.png", "image/png", PNG)])
    assert kept.filename == "report.png"
    (kept,) = cleaned([upload("C:\\Users\\ana\\report.png", "image/png", PNG)])
    assert kept.filename == "report.png"


@pytest.mark.parametrize("name", ["re\r\nport.png", "tab\there.png", "\u202egnp.exe"])
def test_control_characters_in_a_name_are_refused(name: str) -> None:
    refused = refusal(upload(name, "image/png", PNG))
    assert refused.status_code == 422
    assert "control characters" in str(refused.detail)


def test_a_name_that_is_only_a_path_is_refused() -> None:
    assert refusal(upload("../..", "image/png", PNG)).status_code == 422


def test_the_type_is_the_one_the_bytes_have() -> None:
    (kept,) = cleaned([upload("photo.png", "image/png", JPEG)])
    assert kept.content_type == "image/jpeg"


def test_text_is_accepted_as_text_and_binary_declared_as_text_is_not() -> None:
    (kept,) = cleaned([upload("notes.csv", "text/csv", "a;b\nção;2\n".encode())])
    assert kept.content_type == "text/csv"
    assert refusal(upload("notes.txt", "text/plain", b"\x00\x01\x02")).status_code == 422


def test_a_type_that_is_not_a_document_or_image_is_415() -> None:
    assert refusal(upload("run.exe", "application/x-msdownload", EXE)).status_code == 415
