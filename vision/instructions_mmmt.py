"""MMMT-IF's six instruction categories (sentence start letter and end mark, words per sentence, sentence
count, an included phrase, an odd or even number) and three more of IFEval's kind, registered with the
same verifier registry as IFEval's 25 ids (instructions.py)."""

from __future__ import annotations

import re

from mmturn.vision.instructions import _bound, _ifeval_relation, instruction
from mmturn.vision.text_stats import count_words, split_sentences

_SENTENCE_TRAILERS = "\"'*_)]» \t\n"


def _sentences(reply: str) -> list[str]:
    return [s for s in split_sentences(reply) if re.search(r"\w", s)]


@instruction("sentence:start_letter", lambda letter: f"Start every sentence with the letter ({letter.upper()}).")
def _start_letter(reply: str, letter: str) -> bool:
    """Each Punkt sentence's first letter (markdown, quotes, digits skipped) is ``letter``, in either case."""
    sentences = _sentences(reply)
    firsts = [re.search(r"[^\W\d_]", s) for s in sentences]
    return bool(sentences) and all(m is not None and m.group().lower() == letter.lower() for m in firsts)


@instruction(
    "sentence:end_mark",
    lambda mark: f"End every sentence with {'a question mark' if mark == '?' else 'an exclamation mark'} ({mark}).",
)
def _end_mark(reply: str, mark: str) -> bool:
    """Each Punkt sentence ends with ``mark`` once closing quotes, brackets and markdown are stripped."""
    sentences = _sentences(reply)
    return bool(sentences) and all(s.rstrip(_SENTENCE_TRAILERS).endswith(mark) for s in sentences)


@instruction(
    "sentence:words_per_sentence",
    lambda num_words, relation: f"Make sure each sentence in the response is {relation} {num_words} words.",
)
def _words_per_sentence(reply: str, num_words: int, relation: str) -> bool:
    sentences = _sentences(reply)
    return bool(sentences) and all(_bound(count_words(s), relation, num_words) for s in sentences)


@instruction(
    "sentence:count",
    lambda num_sentences, relation: (
        f"Make all the following responses {'no more than' if relation == 'at most' else 'at least'} "
        f"{num_sentences} sentences."
    ),
)
def _sentence_count(reply: str, num_sentences: int, relation: str) -> bool:
    return _bound(len(_sentences(reply)), relation, num_sentences)


@instruction(
    "keywords:include_phrase", lambda phrase: f"Use the word '{phrase}' at least once in all future responses."
)
def _include_phrase(reply: str, phrase: str) -> bool:
    """The phrase occurs with word boundaries, case-insensitive, any whitespace between its words."""
    pattern = r"\b" + r"\s+".join(map(re.escape, phrase.split())) + r"\b"
    return re.search(pattern, reply, flags=re.IGNORECASE) is not None


@instruction(
    "detectable_content:number_parity",
    lambda parity, greater_than: f"Include at least one {parity} number bigger than {greater_than}.",
)
def _number_parity(reply: str, parity: str, greater_than: int) -> bool:
    """Some integer written in digits (not part of a decimal) is ``parity`` and > ``greater_than``."""
    if parity not in ("odd", "even"):
        raise ValueError(f"parity must be 'odd' or 'even', got {parity!r}")
    numbers = [int(m) for m in re.findall(r"(?<![\d.])\d+(?![.,]?\d)", reply)]
    return any(n > greater_than and n % 2 == (1 if parity == "odd" else 0) for n in numbers)


@instruction("startend:start_checker", lambda start_phrase: f"Start your response with the exact phrase {start_phrase}")
def _start_checker(reply: str, start_phrase: str) -> bool:
    return reply.strip().strip('"').lower().startswith(start_phrase.strip().lower())


@instruction(
    "length_constraints:number_characters",
    lambda num_characters, relation: f"Your response should contain {relation} {num_characters} characters.",
)
def _number_characters(reply: str, num_characters: int, relation: str) -> bool:
    return _ifeval_relation(len(reply.strip()), relation, num_characters)


@instruction("punctuation:no_exclamation", lambda: "Do not use any exclamation marks in your response.")
def _no_exclamation(reply: str) -> bool:
    return "!" not in reply
