"""Schemathesis over the gateway's reads: no generated query (a huge page number, a bad cursor,
odd dates) gets a 5xx. `make security` fuzzes every operation of both APIs on its own stack."""

from __future__ import annotations

from devtools.fuzz import fuzz_reads
from devtools.launcher import Stack
from tests.support import ADMIN_TOKEN


def test_no_generated_read_gets_a_server_error(stack: Stack) -> None:
    assert fuzz_reads(stack.url("gateway"), ADMIN_TOKEN) == 0
