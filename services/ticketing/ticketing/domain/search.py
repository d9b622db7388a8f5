"""Full-text search's rules, the same on both stores: what a word is (letters and digits,
any case, accents removed, so "Reclamação" and "reclamacao" are one word), how a query
becomes a match, how matches are ranked and how the matched words are highlighted."""

from __future__ import annotations

import html
import re
import unicodedata

WORD = re.compile(r"\w+")
TITLE_WEIGHT = 10.0
"""A word found in a ticket's title counts this many times one found in an interaction's
text: a title match ranks above a body match (the SQLite index weighs its columns alike)."""
MARK_OPEN, MARK_CLOSE = "<mark>", "</mark>"
CONTEXT_WORDS = 12
"""Words kept on each side of the first match when a long text is highlighted."""


def fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words(text: str) -> list[str]:
    """The distinct folded words of the text, in order of appearance."""
    return list(dict.fromkeys(fold(w) for w in WORD.findall(text)))


def match_expression(query: str) -> str:
    """An SQLite FTS5 query: every word of the query, each quoted (so nothing the agent types
    is read as FTS syntax); the index's tokenizer folds them as it folded the texts."""
    return " ".join(f'"{w}"' for w in words(query)) or '""'


def highlight(text: str, query_words: list[str]) -> str:
    """The text, escaped for HTML, with every word whose folded form is a query word between
    <mark> and </mark>; a long text is cut to the words around the first match."""
    wanted = set(query_words)
    tokens = list(WORD.finditer(text))
    hits = [i for i, t in enumerate(tokens) if fold(t.group()) in wanted]
    start, end = 0, len(text)
    prefix = suffix = ""
    if hits and len(tokens) > 2 * CONTEXT_WORDS + 1:
        first = max(hits[0] - CONTEXT_WORDS, 0)
        last = min(hits[0] + CONTEXT_WORDS, len(tokens) - 1)
        start, end = tokens[first].start(), tokens[last].end()
        prefix = "…" if first > 0 else ""
        suffix = "…" if last < len(tokens) - 1 else ""
    out, position = [prefix], start
    for index in hits:
        token = tokens[index]
        if token.start() < start or token.end() > end:
            continue
        out.append(html.escape(text[position : token.start()]))
        out.append(MARK_OPEN + html.escape(token.group()) + MARK_CLOSE)
        position = token.end()
    out.append(html.escape(text[position:end]) + suffix)
    return "".join(out)


def score(field: str, text: str, query_words: list[str]) -> float:
    """The rank of one match where the store has none of its own (MongoDB without its text
    index): how often the query's words occur, a title weighing TITLE_WEIGHT times a text,
    shorter texts first among equals."""
    found = [w for w in (fold(t) for t in WORD.findall(text)) if w in set(query_words)]
    weight = TITLE_WEIGHT if field == "title" else 1.0
    return weight * len(found) / (1 + len(WORD.findall(text)) / 100)
