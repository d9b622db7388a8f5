"""The rules benchmark: how many interactions one core decides per second with 100, 1,000 and
10,000 active rules, with the word index and, for comparison, without it.

Run from the workspace root: ``.venv/bin/python bench/rules.py [--sizes 100,1000,10000]
[--interactions 2000] [--seconds 3]`` (or ``make bench-rules``).

What is measured is the rules service's per-interaction work, in one process pinned to one
core: ``decide()`` on a compiled rule set, which normalises the text, looks up the candidate
rules in the word index, evaluates them in order and merges their actions into the decision
that goes on the bus. No broker, no store: those costs are the pipeline benchmark's.

The rule mix is what a brand's rule book looks like: mostly keyword and phrase rules
(``text_any``, some with a channel or kind), some boolean expressions, some keyword rules
restricted to 1-2 star reviews, and a fixed handful of rules that need no word in the text
(author bio, regular expressions, rating or sentiment alone): those cannot be filed under a
word, so every interaction evaluates them. Interactions are pt-BR-like texts of 8-40 words
of everyday words; a fifth of them contain some rule's keyword (rules look for rarer words).
Before measuring, the bench checks that the index decides exactly what the loop decides.

"Without the index" evaluates every rule for every interaction (the loop the index replaces),
on fewer interactions at 10,000 rules because it is slow. The figure that shows the scaling
is how evaluations per second fall from 100 to 10,000 rules: a loop falls ~100x; the index
should fall far less.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, Python puts bench/ first on the path, where this file would shadow the
# rules service's package of the same name.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from contracts.interaction import Interaction  # noqa: E402
from contracts.rules import RuleDefinition  # noqa: E402
from rules.domain.matching import CompiledRule, RuleSet, decide, recompile  # noqa: E402

FIXED_UNINDEXED_RULES = 12
"""Rules that need no word of the text. A rule book has a handful (a bio rule for doctors,
one for journalists, a protocol-number regex, low ratings, negative sentiment…), not a share
that grows with the keyword rules."""
CHANNELS = ["facebook", "instagram", "twitter", "reclame_aqui", "google_business"]


def vocabulary(rng: random.Random, size: int) -> list[str]:
    syllables = [c + v for c in "bcdfglmnprstv" for v in "aeiou"] + ["ção", "são", "nha", "lha"]
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def keyword_rule(rng: random.Random, words: list[str], n: int) -> dict[str, object]:
    keywords = [
        " ".join(rng.sample(words, rng.choice([1, 1, 1, 2]))) for _ in range(rng.randint(1, 5))
    ]
    when: dict[str, object] = {"text_any": keywords}
    shape = n % 20
    if shape < 3:
        when["channels"] = rng.sample(CHANNELS, 2)
    elif shape < 5:
        when["kinds"] = ["comment", "reply"]
    elif shape < 7:
        a, b, c = rng.sample(words, 3)
        when = {"text_expression": f'{a} OR "{b} {c}" AND NOT {rng.choice(words)}'}
    elif shape < 8:
        when = {"text_any": keywords, "rating_max": 2}
    return {
        "name": f"keyword rule {n}",
        "when": when,
        "then": {"add_tags": [f"t{n % 50}"], "open_ticket": {"priority": "high"}},
    }


UNINDEXED: list[dict[str, object]] = [
    {"author_bio_any": ["médico", "médica", "CRM"]},
    {"author_bio_any": ["jornalista", "repórter"]},
    {"text_regex": [r"protocolo\s*\d{6,}"]},
    {"text_regex": [r"\b\d{3}\.\d{3}\.\d{3}-\d{2}\b"]},
    {"rating_max": 2, "kinds": ["review"]},
    {"rating_min": 5, "kinds": ["review"]},
    {"sentiments": ["negative"], "channels": ["reclame_aqui"]},
    {"followers_min": 100_000},
    {"campaign": True},
    {"authors": "brand"},
    {"channels": ["email"]},
    {"text_expression": "NOT obrigado", "kinds": ["direct_message"]},
]


def rule_book(size: int, words: list[str], seed: int = 7) -> list[CompiledRule]:
    rng = random.Random(seed)
    definitions = [
        {"name": f"unindexed {i}", "when": when, "then": {"add_tags": ["watch"]}}
        for i, when in enumerate(UNINDEXED[: min(FIXED_UNINDEXED_RULES, size // 10)])
    ]
    definitions += [keyword_rule(rng, words, n) for n in range(size - len(definitions))]
    return [
        CompiledRule.compile(uuid4(), RuleDefinition.model_validate(d), position)
        for position, d in enumerate(definitions)
    ]


def interactions(count: int, words: list[str], rules: list[CompiledRule]) -> list[Interaction]:
    """Texts of everyday words; every fifth names one rule's keyword."""
    rng = random.Random(11)
    keywords = [k for r in rules for k in r.definition.when.text_any] or words
    made = []
    for n in range(count):
        text = [rng.choice(words) for _ in range(rng.randint(8, 40))]
        if n % 5 == 0:
            text.insert(rng.randrange(len(text)), rng.choice(keywords))
        kind = rng.choice(["comment", "comment", "reply", "direct_message", "review"])
        made.append(
            Interaction.model_validate(
                {
                    "channel": rng.choice(CHANNELS),
                    "account": "acme",
                    "external_id": f"b{n}",
                    "kind": kind,
                    "author": {
                        "id": f"u{n}",
                        "bio": " ".join(rng.sample(words, 6)),
                        "followers": rng.randint(0, 200_000),
                    },
                    "text": " ".join(text).capitalize() + ", não está funcionando!",
                    "rating": rng.randint(1, 5) if kind == "review" else None,
                    "occurred_at": datetime(2026, 11, 25, 12, tzinfo=UTC),
                }
            )
        )
    return made


def split_vocabulary() -> tuple[list[str], list[str]]:
    words = vocabulary(random.Random(3), 30_000)
    random.Random(5).shuffle(words)
    return words[:3_000], words[3_000:]


def check_index_agrees(rules: list[CompiledRule], sample: list[Interaction]) -> None:
    """The index is an optimisation: it must decide exactly what the loop decides."""
    at = datetime(2026, 11, 25, 12, tzinfo=UTC)
    indexed, loop = RuleSet(list(rules)), without_index(rules)
    for interaction in sample:
        if decide(indexed, interaction, at=at) != decide(loop, interaction, at=at):
            raise AssertionError(f"the index and the loop disagree on {interaction.text!r}")


@dataclass
class Figure:
    rules: int
    indexed: bool
    evaluations: int
    cpu_seconds: float
    fired: int

    @property
    def per_second(self) -> float:
        return self.evaluations / self.cpu_seconds

    @property
    def micros(self) -> float:
        return 1e6 * self.cpu_seconds / self.evaluations


def measure(
    rule_set: RuleSet, sample: list[Interaction], seconds: float, *, size: int, indexed: bool
) -> Figure:
    """Decide the sample round after round until ``seconds`` of CPU were spent."""
    at = datetime(2026, 11, 25, 12, tzinfo=UTC)
    evaluations = fired = 0
    started = time.process_time()
    while (spent := time.process_time() - started) < seconds:
        for interaction in sample:
            fired += len(decide(rule_set, interaction, at=at).matched)
        evaluations += len(sample)
    return Figure(size, indexed, evaluations, spent, fired)


def without_index(rules: list[CompiledRule]) -> RuleSet:
    rule_set = RuleSet(rules)
    rule_set.unindexed = set(range(len(rule_set.rules)))
    rule_set.by_word = {}
    return rule_set


def reload_seconds(rule_set: RuleSet) -> float:
    """What a replica spends when one rule of the book changed (only that one is compiled)."""
    definitions = [r.definition for r in rule_set.rules]
    middle = len(definitions) // 2
    definitions[middle] = definitions[middle].model_copy(update={"name": "changed"})
    started = time.process_time()
    recompile(rule_set, definitions, [r.id for r in rule_set.rules])
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--interactions", type=int, default=2_000)
    parser.add_argument("--seconds", type=float, default=3.0, help="CPU seconds per figure")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    # CPU time is what is measured, but a busy machine still slows it (shared caches).
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    # Everyday words the texts are made of, and the rarer words rules look for (brands,
    # products, "anatel"), which the texts contain only when a keyword is put in on purpose.
    common, rare = split_vocabulary()
    header = ("rules", "index", "evaluations/s", "µs each", "fired/interaction")
    print(f"{header[0]:>7} {header[1]:>6} {header[2]:>14} {header[3]:>9} {header[4]:>18}")
    figures = []
    for size in (int(s) for s in args.sizes.split(",")):
        started = time.process_time()
        rules = rule_book(size, rare)
        indexed = RuleSet(list(rules))
        compile_seconds = time.process_time() - started
        sample = interactions(args.interactions, common, rules)
        check_index_agrees(rules, sample[:200])
        for rule_set, is_indexed in ((indexed, True), (without_index(rules), False)):
            # The loop at 10,000 rules takes ~10 ms an interaction: a smaller sample suffices.
            part = sample if is_indexed else sample[: max(50, 200_000 // size)]
            figure = measure(rule_set, part, args.seconds, size=size, indexed=is_indexed)
            figures.append(figure)
            print(
                f"{size:>7} {'yes' if is_indexed else 'no':>6} {figure.per_second:>14,.0f}"
                f" {figure.micros:>9,.1f} {figure.fired / figure.evaluations:>18.2f}"
            )
        print(
            f"{'':>7} compiling {size:,} rules and their index took {compile_seconds:.2f} s;"
            f" after one rule changed, {reload_seconds(indexed):.3f} s"
        )
    indexed_figures = [f for f in figures if f.indexed]
    if len(indexed_figures) >= 2:
        first, last = indexed_figures[0], indexed_figures[-1]
        loops = [f for f in figures if not f.indexed]
        print(
            f"\n{last.rules / first.rules:.0f}x the rules: evaluations/s went from"
            f" {first.per_second:,.0f} to {last.per_second:,.0f} with the index"
            f" ({last.per_second / first.per_second:.0%});"
            f" the loop went from {loops[0].per_second:,.0f} to {loops[-1].per_second:,.0f}"
        )


if __name__ == "__main__":
    main()
