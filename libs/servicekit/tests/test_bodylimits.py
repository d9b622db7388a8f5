from __future__ import annotations

import json

from servicekit.bodylimits import too_deep


def test_a_shallow_body_passes_and_brackets_in_strings_do_not_count() -> None:
    body = json.dumps({"text": "[" * 1000, "raw": {"a": [{"b": [1, 2]}]}}).encode()
    assert not too_deep(body, max_depth=8)


def test_a_deep_array_is_caught_without_recursing() -> None:
    assert too_deep(b"[" * 200_000 + b"]" * 200_000, max_depth=64)
    assert not too_deep(b"[" * 64 + b"]" * 64, max_depth=64)
    assert too_deep(b"[" * 65 + b"]" * 65, max_depth=64)


def test_many_siblings_are_not_depth() -> None:
    body = json.dumps([{"raw": {"x": [1]}} for _ in range(5_000)]).encode()
    assert not too_deep(body, max_depth=8)


def test_escaped_quotes_do_not_end_a_string() -> None:
    body = json.dumps({"t": 'say \\" [[[[[[[[[[ "'}).encode()
    assert not too_deep(body, max_depth=2)
