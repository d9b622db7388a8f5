"""Boolean text expressions: ``anatel OR procon AND NOT elogio``, with parentheses and
"quoted phrases" (docs/domain.md F24).

A small recursive-descent parser. Precedence is NOT > AND > OR, as in SQL and most search
boxes, so the example reads ``anatel OR (procon AND (NOT elogio))``. Two words side by side
mean AND. Operators are recognised in any case; to look for the word "not" itself, quote it.
Errors say where the expression went wrong in words a rule author understands.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rules.domain.text import normalize

OPERATORS = {"AND", "OR", "NOT"}
_TOKEN = re.compile(
    r'\s*(?:(?P<open>\()|(?P<close>\))|"(?P<phrase>[^"]*)"|(?P<quote>")|(?P<word>[^\s()"]+))'
)


class ExpressionError(ValueError):
    """The expression cannot be read; the message is meant for the rule's author."""


@dataclass(frozen=True)
class Term:
    phrase: str  # normalised: lower case, no accents, single spaces


@dataclass(frozen=True)
class Not:
    operand: Node


@dataclass(frozen=True)
class And:
    operands: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    operands: tuple[Node, ...]


Node = Term | Not | And | Or


@dataclass(frozen=True)
class _Token:
    kind: str  # "(", ")", "AND", "OR", "NOT", "term"
    text: str
    at: int  # 1-based character position, for messages


def _tokens(source: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(source):
        found = _TOKEN.match(source, position)
        if found is None or found.end() == position:
            break  # only trailing white space is left
        lexeme = found.group(0)
        at = found.start() + len(lexeme) - len(lexeme.lstrip()) + 1
        if found["open"]:
            tokens.append(_Token("(", "(", at))
        elif found["close"]:
            tokens.append(_Token(")", ")", at))
        elif found["quote"]:
            raise ExpressionError(f"the quote at character {at} is never closed")
        elif found["phrase"] is not None:
            phrase = normalize(found["phrase"])
            if not phrase:
                raise ExpressionError(f"the quoted phrase at character {at} is empty")
            tokens.append(_Token("term", phrase, at))
        else:
            word = found["word"]
            upper = word.upper()
            if upper in OPERATORS:
                tokens.append(_Token(upper, word, at))
            else:
                tokens.append(_Token("term", normalize(word), at))
        position = found.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[_Token], length: int) -> None:
        self._tokens = tokens
        self._index = 0
        self._end = length + 1

    def parse(self) -> Node:
        if not self._tokens:
            raise ExpressionError("the expression is empty: write at least one word")
        node = self._or()
        if (token := self._peek()) is not None:
            if token.kind == ")":
                raise ExpressionError(f"the ')' at character {token.at} has no matching '('")
            raise ExpressionError(f"unexpected {token.text!r} at character {token.at}")
        return node

    def _peek(self) -> _Token | None:
        return self._tokens[self._index] if self._index < len(self._tokens) else None

    def _take(self) -> _Token:
        token = self._tokens[self._index]
        self._index += 1
        return token

    def _or(self) -> Node:
        operands = [self._and()]
        while (token := self._peek()) is not None and token.kind == "OR":
            self._take()
            operands.append(self._and())
        return operands[0] if len(operands) == 1 else Or(tuple(operands))

    def _and(self) -> Node:
        operands = [self._not()]
        while (token := self._peek()) is not None and token.kind in {"AND", "NOT", "term", "("}:
            if token.kind == "AND":
                self._take()
            operands.append(self._not())
        return operands[0] if len(operands) == 1 else And(tuple(operands))

    def _not(self) -> Node:
        token = self._peek()
        if token is not None and token.kind == "NOT":
            self._take()
            return Not(self._not())
        return self._atom()

    def _atom(self) -> Node:
        token = self._peek()
        if token is None:
            raise ExpressionError("the expression ends where a word or phrase was expected")
        if token.kind == "term":
            self._take()
            return Term(token.text)
        if token.kind == "(":
            self._take()
            node = self._or()
            closing = self._peek()
            if closing is None or closing.kind != ")":
                raise ExpressionError(f"the '(' at character {token.at} is never closed")
            self._take()
            return node
        if token.kind == ")":
            raise ExpressionError(
                f"a word or phrase was expected before ')' at character {token.at}"
            )
        raise ExpressionError(
            f"{token.text!r} at character {token.at} needs a word or phrase before it"
        )


def parse(source: str) -> Node:
    return _Parser(_tokens(source), len(source)).parse()


def terms(node: Node) -> set[str]:
    """Every phrase the expression mentions."""
    match node:
        case Term(phrase):
            return {phrase}
        case Not(operand):
            return terms(operand)
        case And(operands) | Or(operands):
            return set().union(*(terms(o) for o in operands))
    raise AssertionError(node)


def evaluate(node: Node, present: set[str]) -> bool:
    """Whether the expression holds, given which of its phrases the text contains."""
    match node:
        case Term(phrase):
            return phrase in present
        case Not(operand):
            return not evaluate(operand, present)
        case And(operands):
            return all(evaluate(o, present) for o in operands)
        case Or(operands):
            return any(evaluate(o, present) for o in operands)
    raise AssertionError(node)


def required(node: Node) -> frozenset[str] | None:
    """Phrases at least one of which the text must contain for the expression to hold, or None
    when it can hold without any (``NOT elogio``). The rule index files a rule under these."""
    match node:
        case Term(phrase):
            return frozenset({phrase})
        case Not():
            return None
        case And(operands):
            known = [r for r in (required(o) for o in operands) if r is not None]
            return min(known, key=len) if known else None
        case Or(operands):
            alternatives = [required(o) for o in operands]
            if any(a is None for a in alternatives):
                return None
            return frozenset().union(*(a for a in alternatives if a is not None))
    raise AssertionError(node)
