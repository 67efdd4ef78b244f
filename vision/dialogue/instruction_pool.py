"""Which instructions a synthetic dialogue may add, how their kwargs are drawn, and which never stack.

Conflicts follow IFEval's ``INSTRUCTION_CONFLICTS`` (made symmetric) extended to MMMT-IF's
categories; whatever else cannot be satisfied together is caught by asking the realizer for a
reply that passes every check before an instruction is accepted.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from mmturn.vision.dialogue.realize import OPENERS

KEYWORDS = ("banana", "journey", "quietly", "lantern", "harmony", "whisper", "compass", "velvet")
FORBIDDEN = ("awesome", "amazing", "perhaps", "maybe", "certainly", "literally", "totally", "wonderful")
PHRASES = ("per se", "like", "itself", "in fact", "as such")
END_PHRASES = ("Is there anything else I can help with?", "Any other questions?", "That is all.")
START_PHRASES = ("My reply:", "Here is my answer:", "Reply:")

Sampler = Callable[[np.random.Generator], dict[str, Any]]


def _choice(rng: np.random.Generator, items):
    return items[int(rng.integers(len(items)))]


POOL: dict[str, Sampler] = {
    # MMMT-IF's six categories
    "sentence:start_letter": lambda r: {"letter": _choice(r, ("B", "S", "T", "W", "M", "C")).upper()},
    "sentence:end_mark": lambda r: {"mark": _choice(r, ("?", "!"))},
    "sentence:words_per_sentence": lambda r: {"num_words": 18, "relation": _choice(r, ("at most", "at least"))},
    "sentence:count": lambda r: (lambda rel: {"num_sentences": 4 if rel == "at most" else 5, "relation": rel})(
        _choice(r, ("at most", "at least"))
    ),
    "keywords:include_phrase": lambda r: {"phrase": _choice(r, PHRASES)},
    "detectable_content:number_parity": lambda r: {"parity": _choice(r, ("odd", "even")), "greater_than": 5},
    # IFEval's
    "punctuation:no_comma": lambda r: {},
    "change_case:english_lowercase": lambda r: {},
    "change_case:english_capital": lambda r: {},
    "length_constraints:number_words": lambda r: (
        lambda rel: {
            "num_words": int(r.integers(60, 90)) if rel == "less than" else int(r.integers(25, 45)),
            "relation": rel,
        }
    )(_choice(r, ("less than", "at least"))),
    "length_constraints:number_sentences": lambda r: (
        lambda rel: {
            "num_sentences": int(r.integers(4, 7)) if rel == "less than" else int(r.integers(2, 4)),
            "relation": rel,
        }
    )(_choice(r, ("less than", "at least"))),
    "keywords:existence": lambda r: {"keywords": [_choice(r, KEYWORDS)]},
    "keywords:forbidden_words": lambda r: {
        "forbidden_words": [str(w) for w in r.choice(FORBIDDEN, size=2, replace=False)]
    },
    "keywords:frequency": lambda r: {
        "keyword": _choice(r, KEYWORDS),
        "frequency": int(r.integers(2, 4)),
        "relation": "at least",
    },
    "detectable_content:postscript": lambda r: {"postscript_marker": _choice(r, ("P.S.", "P.P.S"))},
    "detectable_content:number_placeholders": lambda r: {"num_placeholders": int(r.integers(1, 3))},
    "detectable_format:title": lambda r: {},
    "detectable_format:number_highlighted_sections": lambda r: {"num_highlights": int(r.integers(1, 3))},
    "detectable_format:number_bullet_lists": lambda r: {"num_bullets": int(r.integers(2, 4))},
    "detectable_format:json_format": lambda r: {},
    "detectable_format:multiple_sections": lambda r: {
        "section_spliter": _choice(r, ("SECTION", "Section")),
        "num_sections": 2,
    },
    "length_constraints:number_paragraphs": lambda r: {"num_paragraphs": int(r.integers(2, 4))},
    "startend:end_checker": lambda r: {"end_phrase": _choice(r, END_PHRASES)},
    "startend:quotation": lambda r: {},
    "startend:start_checker": lambda r: {"start_phrase": _choice(r, START_PHRASES)},
    "change_case:capital_word_frequency": lambda r: {
        "capital_frequency": int(r.integers(2, 4)),
        "capital_relation": "at least",
    },
}
assert set(OPENERS) >= {"b", "s", "t", "w", "m", "c"}

_PAIRS = [
    ("change_case:english_lowercase", "change_case:english_capital"),
    ("change_case:capital_word_frequency", "change_case:english_lowercase"),
    ("change_case:capital_word_frequency", "change_case:english_capital"),
    ("startend:quotation", "detectable_format:title"),
    ("length_constraints:number_paragraphs", "length_constraints:nth_paragraph_first_word"),
    ("length_constraints:number_paragraphs", "length_constraints:number_sentences"),
    ("length_constraints:number_paragraphs", "sentence:count"),
    ("length_constraints:number_paragraphs", "detectable_format:multiple_sections"),
    ("length_constraints:number_paragraphs", "detectable_format:number_bullet_lists"),
    ("detectable_format:multiple_sections", "detectable_format:number_bullet_lists"),
    ("sentence:count", "length_constraints:number_sentences"),
    ("sentence:end_mark", "punctuation:no_exclamation"),
    ("sentence:end_mark", "startend:end_checker"),
    ("startend:start_checker", "sentence:start_letter"),
    ("detectable_content:postscript", "sentence:start_letter"),
    ("detectable_format:multiple_sections", "sentence:start_letter"),
]
ALONE_WITH = {  # IFEval: json_format conflicts with everything except these
    "detectable_format:json_format": {"keywords:existence", "keywords:forbidden_words"}
}


def conflicts(a: str, b: str) -> bool:
    """Whether two instruction ids may not be active together (symmetric; every id conflicts with itself)."""
    if a == b or (a, b) in _PAIRS or (b, a) in _PAIRS:
        return True
    return any(x in ALONE_WITH and y not in ALONE_WITH[x] for x, y in ((a, b), (b, a)))
