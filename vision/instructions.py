"""Code-verified answer-format instructions: IFEval's 25 ids with IFEval's kwargs and semantics,
MMMT-IF's six categories, and a few more of the same kind.

``verify(instruction_id, kwargs, reply, loose=False)`` checks one instruction on one reply. Strict:
the raw reply, and a reply that is empty after trimming fails. Loose (IFEval): passes if any
non-empty of the eight loose variants passes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Callable

from mmturn.vision.text_stats import count_words, detect_language, loose_variants, split_sentences, word_tokenize


@dataclass(frozen=True)
class Instruction:
    id: str
    check: Callable[..., bool]  # check(reply, **kwargs) -> bool
    describe: Callable[..., str]  # describe(**kwargs) -> the text shown to the model


INSTRUCTIONS: dict[str, Instruction] = {}


def instruction(id: str, describe: Callable[..., str]):
    def wrap(check: Callable[..., bool]) -> Callable[..., bool]:
        INSTRUCTIONS[id] = Instruction(id, check, describe)
        return check

    return wrap


def _ifeval_relation(actual: int, relation: str, n: int) -> bool:
    """IFEval's comparison: "less than" is actual < n, "at least" is actual >= n; nothing else is allowed."""
    if relation == "less than":
        return actual < n
    if relation == "at least":
        return actual >= n
    raise ValueError(f"relation must be 'less than' or 'at least', got {relation!r}")


def _bound(actual: int, relation: str, n: int) -> bool:
    """MMMT-IF's bounds: "at most" is actual <= n, "at least" is actual >= n."""
    if relation == "at most":
        return actual <= n
    if relation == "at least":
        return actual >= n
    raise ValueError(f"relation must be 'at most' or 'at least', got {relation!r}")


# ---------------------------------------------------------------- IFEval's registry (25 ids)
@instruction(
    "keywords:existence", lambda keywords: f"Include the keywords {', '.join(map(repr, keywords))} in the response."
)
def _existence(reply: str, keywords: list[str]) -> bool:
    return all(re.search(k, reply, flags=re.IGNORECASE) for k in keywords)


@instruction(
    "keywords:frequency",
    lambda keyword, frequency, relation: (
        f"In your response, the word {keyword!r} should appear {relation} {frequency} times."
    ),
)
def _frequency(reply: str, keyword: str, frequency: int, relation: str) -> bool:
    return _ifeval_relation(len(re.findall(keyword, reply, flags=re.IGNORECASE)), relation, frequency)


@instruction(
    "keywords:forbidden_words",
    lambda forbidden_words: f"Do not include the keywords {', '.join(map(repr, forbidden_words))} in the response.",
)
def _forbidden(reply: str, forbidden_words: list[str]) -> bool:
    return not any(re.search(r"\b" + w + r"\b", reply, flags=re.IGNORECASE) for w in forbidden_words)


@instruction(
    "keywords:letter_frequency",
    lambda letter, let_frequency, let_relation: (
        f"In your response, the letter {letter} should appear {let_relation} {let_frequency} times."
    ),
)
def _letter_frequency(reply: str, letter: str, let_frequency: int, let_relation: str) -> bool:
    return _ifeval_relation(reply.lower().count(letter.lower()), let_relation, let_frequency)


@instruction(
    "language:response_language",
    lambda language: f"Your ENTIRE response should be in {language} language, no other language is allowed.",
)
def _language(reply: str, language: str) -> bool:
    detected = detect_language(reply)
    return detected is None or detected == language  # IFEval: a detection failure counts as followed


@instruction(
    "length_constraints:number_sentences",
    lambda num_sentences, relation: f"Your response should contain {relation} {num_sentences} sentences.",
)
def _number_sentences(reply: str, num_sentences: int, relation: str) -> bool:
    return _ifeval_relation(len(split_sentences(reply)), relation, num_sentences)


@instruction(
    "length_constraints:number_paragraphs",
    lambda num_paragraphs: (
        f"There should be {num_paragraphs} paragraphs. Paragraphs are separated with the markdown divider: ***"
    ),
)
def _number_paragraphs(reply: str, num_paragraphs: int) -> bool:
    pieces = re.split(r"\s?\*\*\*\s?", reply)
    count = len(pieces)
    for i, piece in enumerate(pieces):
        if not piece.strip():
            if i in (0, len(pieces) - 1):
                count -= 1
            else:
                return False
    return count == num_paragraphs


@instruction(
    "length_constraints:number_words", lambda num_words, relation: f"Answer with {relation} {num_words} words."
)
def _number_words(reply: str, num_words: int, relation: str) -> bool:
    return _ifeval_relation(count_words(reply), relation, num_words)


@instruction(
    "length_constraints:nth_paragraph_first_word",
    lambda num_paragraphs, nth_paragraph, first_word: (
        f"There should be {num_paragraphs} paragraphs. Paragraphs and only paragraphs are separated "
        f"with each other by two new lines. The {nth_paragraph}-th paragraph must start with word {first_word}."
    ),
)
def _nth_paragraph_first_word(reply: str, num_paragraphs: int, nth_paragraph: int, first_word: str) -> bool:
    pieces = re.split(r"\n\n", reply)
    count = sum(1 for p in pieces if p.strip())
    if nth_paragraph > count:
        return False
    paragraph = pieces[nth_paragraph - 1].strip()
    if not paragraph:
        return False
    word = paragraph.split()[0].strip().lstrip("'").lstrip('"')
    first = "".join(c.lower() for c in re.split(r"[.,?!'\"]", word, maxsplit=1)[0])  # IFEval lowers letter by letter
    return count == num_paragraphs and first == first_word.lower()


@instruction(
    "detectable_content:number_placeholders",
    lambda num_placeholders: (
        f"The response must contain at least {num_placeholders} placeholders represented by square "
        f"brackets, such as [address]."
    ),
)
def _placeholders(reply: str, num_placeholders: int) -> bool:
    return len(re.findall(r"\[.*?\]", reply)) >= num_placeholders


def _postscript_pattern(marker: str) -> str:
    if marker == "P.P.S":
        return r"\s*p\.\s?p\.\s?s.*$"
    if marker == "P.S.":
        return r"\s*p\.\s?s\..*$"
    return r"\s*" + marker.lower() + r".*$"


@instruction(
    "detectable_content:postscript",
    lambda postscript_marker: (
        f"At the end of your response, please explicitly add a postscript starting with {postscript_marker}"
    ),
)
def _postscript(reply: str, postscript_marker: str) -> bool:
    return bool(re.findall(_postscript_pattern(postscript_marker), reply.lower(), flags=re.MULTILINE))


@instruction(
    "detectable_format:number_bullet_lists",
    lambda num_bullets: (
        f"Your answer must contain exactly {num_bullets} bullet points. Use the markdown bullet "
        f"points such as: * This is a point."
    ),
)
def _bullets(reply: str, num_bullets: int) -> bool:
    stars = re.findall(r"^\s*\*[^\*].*$", reply, flags=re.MULTILINE)
    dashes = re.findall(r"^\s*-.*$", reply, flags=re.MULTILINE)
    return len(stars) + len(dashes) == num_bullets


CONSTRAINED_OPTIONS = ("My answer is yes.", "My answer is no.", "My answer is maybe.")


@instruction(
    "detectable_format:constrained_response",
    lambda: f"Answer with one of the following options: {', '.join(CONSTRAINED_OPTIONS)}",
)
def _constrained(reply: str) -> bool:
    return any(option in reply.strip() for option in CONSTRAINED_OPTIONS)


@instruction(
    "detectable_format:number_highlighted_sections",
    lambda num_highlights: (
        f"Highlight at least {num_highlights} sections in your answer with markdown, i.e. *highlighted section*."
    ),
)
def _highlights(reply: str, num_highlights: int) -> bool:
    single = [h for h in re.findall(r"\*[^\n\*]*\*", reply) if h.strip("*").strip()]
    double = [h for h in re.findall(r"\*\*[^\n\*]*\*\*", reply) if h.removeprefix("**").removesuffix("**").strip()]
    return len(single) + len(double) >= num_highlights


@instruction(
    "detectable_format:multiple_sections",
    lambda section_spliter, num_sections: (
        f"Your response must have {num_sections} sections. Mark the beginning of each section with "
        f"{section_spliter} X, such as: {section_spliter} 1"
    ),
)
def _sections(reply: str, section_spliter: str, num_sections: int) -> bool:
    return len(re.split(r"\s?" + section_spliter + r"\s?\d+\s?", reply)) - 1 >= num_sections


def strip_json_fence(reply: str) -> str:
    """IFEval's json_format preprocessing: strip, then remove the prefixes ```json, ```Json, ```JSON and ```
    one after another (each may apply), then a trailing ```, then strip."""
    value = reply.strip()
    for fence in ("```json", "```Json", "```JSON", "```"):
        value = value.removeprefix(fence)
    return value.removesuffix("```").strip()


@instruction(
    "detectable_format:json_format",
    lambda: "Entire output should be wrapped in JSON format. You can use markdown ticks such as ```.",
)
def _json(reply: str) -> bool:
    try:
        json.loads(strip_json_fence(reply))
    except ValueError:
        return False
    return True


@instruction(
    "detectable_format:title",
    lambda: "Your answer must contain a title, wrapped in double angular brackets, such as <<poem of joy>>.",
)
def _title(reply: str) -> bool:
    return any(t.lstrip("<").rstrip(">").strip() for t in re.findall(r"<<[^\n]+>>", reply))


@instruction(
    "combination:two_responses",
    lambda: (
        "Give two different responses. Responses and only responses should be separated by 6 asterisk symbols: ******."
    ),
)
def _two_responses(reply: str) -> bool:
    pieces = reply.split("******")
    valid = []
    for i, piece in enumerate(pieces):
        if not piece.strip():
            if i not in (0, len(pieces) - 1):
                return False
        else:
            valid.append(piece)
    return len(valid) == 2 and valid[0].strip() != valid[1].strip()


@instruction(
    "combination:repeat_prompt",
    lambda prompt_to_repeat: (
        f"First repeat the request word for word without change, then give your answer: {prompt_to_repeat}"
    ),
)
def _repeat_prompt(reply: str, prompt_to_repeat: str) -> bool:
    return reply.strip().lower().startswith(prompt_to_repeat.strip().lower())


@instruction(
    "startend:end_checker",
    lambda end_phrase: (
        f"Finish your response with this exact phrase {end_phrase}. No other words should follow this phrase."
    ),
)
def _end_checker(reply: str, end_phrase: str) -> bool:
    return reply.strip().strip('"').lower().endswith(end_phrase.strip().lower())


@instruction("startend:quotation", lambda: "Wrap your entire response with double quotation marks.")
def _quotation(reply: str) -> bool:
    value = reply.strip()
    return len(value) > 1 and value[0] == '"' and value[-1] == '"'


@instruction(
    "change_case:capital_word_frequency",
    lambda capital_frequency, capital_relation: (
        f"In your response, words with all capital letters should appear {capital_relation} {capital_frequency} times."
    ),
)
def _capital_words(reply: str, capital_frequency: int, capital_relation: str) -> bool:
    return _ifeval_relation(sum(1 for w in word_tokenize(reply) if w.isupper()), capital_relation, capital_frequency)


@instruction(
    "change_case:english_capital", lambda: "Your entire response should be in English, and in all capital letters."
)
def _english_capital(reply: str) -> bool:
    detected = detect_language(reply)
    return reply.isupper() and (detected is None or detected == "en")


@instruction(
    "change_case:english_lowercase",
    lambda: "Your entire response should be in English, and in all lowercase letters. No capital letters are allowed.",
)
def _english_lowercase(reply: str) -> bool:
    detected = detect_language(reply)
    return reply.islower() and (detected is None or detected == "en")


@instruction("punctuation:no_comma", lambda: "In your entire response, refrain from the use of any commas.")
def _no_comma(reply: str) -> bool:
    return "," not in reply


def describe(instruction_id: str, kwargs: dict[str, Any]) -> str:
    return _get(instruction_id).describe(**kwargs)


def _get(instruction_id: str) -> Instruction:
    try:
        return INSTRUCTIONS[instruction_id]
    except KeyError:
        raise ValueError(f"unknown instruction id {instruction_id!r}") from None


def validate(instruction_id: str, kwargs: dict[str, Any]) -> None:
    """Raise ValueError naming the problem when an instruction id or its kwargs are not usable."""
    check = _get(instruction_id).check
    try:
        check("probe", **kwargs)
    except TypeError as e:
        raise ValueError(f"bad kwargs for {instruction_id}: {e}") from None


STRIPPED_KWARGS = ("keyword", "postscript_marker", "section_spliter")  # IFEval's builders strip these


def verify(instruction_id: str, kwargs: dict[str, Any], reply: str, loose: bool = False) -> bool:
    """True when ``reply`` follows the instruction (strict, or IFEval-loose)."""
    check = _get(instruction_id).check
    kwargs = {
        k: v.strip() if k in STRIPPED_KWARGS and isinstance(v, str) else v
        for k, v in (kwargs or {}).items()
        if v is not None
    }
    candidates = loose_variants(reply) if loose else [reply]
    return any(c.strip() and check(c, **kwargs) for c in candidates)


from mmturn.vision import instructions_mmmt as _mmmt  # noqa: E402,F401  (registers MMMT-IF's categories)
