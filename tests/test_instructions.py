"""Verifiers agree with IFEval's semantics on the shared ids, with hand-written edge cases."""

import pytest

from mmturn.vision.instructions import INSTRUCTIONS, describe, validate, verify
from mmturn.vision.text_stats import count_sentences, count_words, loose_variants


def v(iid, reply, loose=False, **kw):
    return verify(iid, kw, reply, loose=loose)


def test_at_least_thirty_instruction_types_including_ifevals_25():
    ifeval = {
        "keywords:existence",
        "keywords:frequency",
        "keywords:forbidden_words",
        "keywords:letter_frequency",
        "language:response_language",
        "length_constraints:number_sentences",
        "length_constraints:number_paragraphs",
        "length_constraints:number_words",
        "length_constraints:nth_paragraph_first_word",
        "detectable_content:number_placeholders",
        "detectable_content:postscript",
        "detectable_format:number_bullet_lists",
        "detectable_format:constrained_response",
        "detectable_format:number_highlighted_sections",
        "detectable_format:multiple_sections",
        "detectable_format:json_format",
        "detectable_format:title",
        "combination:two_responses",
        "combination:repeat_prompt",
        "startend:end_checker",
        "startend:quotation",
        "change_case:capital_word_frequency",
        "change_case:english_capital",
        "change_case:english_lowercase",
        "punctuation:no_comma",
    }
    assert len(ifeval) == 25 and ifeval <= set(INSTRUCTIONS) and len(INSTRUCTIONS) >= 30
    assert all(describe(i, {}) for i in ("punctuation:no_comma", "detectable_format:title"))


def test_counting_rules_are_ifevals():
    assert (
        count_words("don't stop") == 3 and count_words("3.5 km") == 3 and count_words("state-of-the-art **bold**") == 5
    )
    assert count_sentences("Dr. Smith arrived. He sat down!") == 2
    assert count_sentences("Is it 3.5 km? Yes.") == 2


def test_relations_are_strict_less_than_and_at_least():
    assert v("length_constraints:number_words", "one two three", num_words=3, relation="at least")
    assert not v("length_constraints:number_words", "one two three", num_words=3, relation="less than")
    assert v("length_constraints:number_words", "one two", num_words=3, relation="less than")
    with pytest.raises(ValueError):
        v("length_constraints:number_words", "one", num_words=3, relation="at most")


def test_existence_is_substring_but_forbidden_uses_word_boundaries():
    assert v("keywords:existence", "a category", keywords=["cat"])
    assert v("keywords:forbidden_words", "a category", forbidden_words=["cat"])
    assert not v("keywords:forbidden_words", "the CAT sat", forbidden_words=["cat"])
    assert v("keywords:frequency", "cat catalog Cat", keyword="cat", frequency=3, relation="at least")


def test_empty_or_blank_reply_fails_every_instruction_strict_and_loose():
    for reply in ("", "   \n "):
        assert not v("punctuation:no_comma", reply)
        assert not v("punctuation:no_comma", reply, loose=True)
        assert not v("keywords:forbidden_words", reply, forbidden_words=["x"])


def test_end_checker_trailing_markdown_strict_fails_loose_passes():
    reply = "Here it is. Any other questions?**"
    assert not v("startend:end_checker", reply, end_phrase="Any other questions?")
    assert v("startend:end_checker", reply, loose=True, end_phrase="Any other questions?")
    assert v("startend:end_checker", '"ok. any OTHER questions?"', end_phrase="Any other questions?")


def test_loose_has_the_eight_variants_and_forgives_a_preamble():
    assert len(loose_variants("a\n*b*\nc")) == 8
    reply = "Sure, here you go:\nthe answer is seven"
    assert not v("punctuation:no_comma", reply) and v("punctuation:no_comma", reply, loose=True)


def test_no_comma_ignores_fullwidth_comma():
    assert v("punctuation:no_comma", "a，b") and not v("punctuation:no_comma", "a, b")


def test_case_instructions_use_isupper_islower_and_english():
    assert v("change_case:english_lowercase", "the answer is seven because the picture shows seven shapes.")
    assert not v("change_case:english_lowercase", "The answer is seven because the picture shows seven shapes.")
    assert v("change_case:english_capital", "THE ANSWER IS SEVEN BECAUSE THE PICTURE SHOWS SEVEN SHAPES.")
    assert not v("change_case:english_lowercase", "la réponse est sept parce que l'image montre sept formes.")


def test_json_format_strips_fences_only():
    assert v("detectable_format:json_format", '```json\n{"answer": 7}\n```')
    assert v("detectable_format:json_format", '```JSON {"a": [1, 2]} ```')
    assert not v("detectable_format:json_format", 'Sure: {"a": 1}')
    assert not v("detectable_format:json_format", "")
    # IFEval removes the prefixes one after another: ```json, then a following ``` too
    assert v("detectable_format:json_format", '```json```{"a": 1}```')
    assert v("detectable_format:json_format", '```json```JSON```{"a": 1}')


def test_keyword_marker_and_splitter_kwargs_are_stripped_as_ifeval_builds_them():
    assert v("keywords:frequency", "the cat and the dog", keyword=" the ", frequency=2, relation="at least")
    assert v("detectable_content:postscript", "Hi.\nP.S. bye", postscript_marker=" P.S. ")
    assert v(
        "detectable_format:multiple_sections", "SECTION 1 a SECTION 2 b", section_spliter=" SECTION ", num_sections=2
    )


def test_paragraphs_dividers_and_empty_middle():
    assert v("length_constraints:number_paragraphs", "a\n***\nb\n***\nc", num_paragraphs=3)
    assert v("length_constraints:number_paragraphs", "***\na\n***\nb\n***", num_paragraphs=2)
    assert not v("length_constraints:number_paragraphs", "a\n***\n***\nb", num_paragraphs=2)
    assert not v("length_constraints:number_paragraphs", "a\n* * *\nb", num_paragraphs=2)


def test_nth_paragraph_first_word():
    reply = 'Intro here.\n\n"Second, para.\n\nThird'
    assert v(
        "length_constraints:nth_paragraph_first_word", reply, num_paragraphs=3, nth_paragraph=2, first_word="second"
    )
    assert not v(
        "length_constraints:nth_paragraph_first_word",
        "**Second** x\n\nb",
        num_paragraphs=2,
        nth_paragraph=1,
        first_word="second",
    )
    # the word is lower-cased letter by letter, the kwarg as a string (Greek final sigma differs)
    assert not v(
        "length_constraints:nth_paragraph_first_word",
        "ΟΔΟΣ x\n\nb",
        num_paragraphs=2,
        nth_paragraph=1,
        first_word="ΟΔΟΣ",
    )
    assert v(
        "length_constraints:nth_paragraph_first_word",
        "ΟΔΟΣ x\n\nb",
        num_paragraphs=2,
        nth_paragraph=1,
        first_word="οδοσ",
    )


def test_bullets_count_dash_rules_and_star_items_exactly():
    assert v("detectable_format:number_bullet_lists", "* a\n* b\n- c", num_bullets=3)
    assert v("detectable_format:number_bullet_lists", "* a\n---\n", num_bullets=2)  # a rule counts, as in IFEval
    assert not v("detectable_format:number_bullet_lists", "1. a\n• b", num_bullets=2)
    assert not v("detectable_format:number_bullet_lists", "**bold** line", num_bullets=1)


def test_highlights_title_placeholders_postscript_sections():
    assert v("detectable_format:number_highlighted_sections", "*one* and **two**", num_highlights=2)
    assert not v("detectable_format:number_highlighted_sections", "* * and **", num_highlights=1)
    assert v("detectable_format:title", "<<A title>>\ntext") and not v("detectable_format:title", "<< >> text")
    assert v("detectable_content:number_placeholders", "[name] at [address](x)", num_placeholders=2)
    assert v("detectable_content:postscript", "text\np. s. later", postscript_marker="P.S.")
    assert v("detectable_content:postscript", "mid p.s. here", postscript_marker="P.S.")  # not anchored, as in IFEval
    assert v(
        "detectable_format:multiple_sections", "SECTION 1 a SECTION 2 b", section_spliter="SECTION", num_sections=2
    )
    assert not v("detectable_format:multiple_sections", "Section One a", section_spliter="Section", num_sections=1)


def test_two_responses_quotation_repeat_constrained():
    assert v("combination:two_responses", "one\n******\ntwo")
    assert not v("combination:two_responses", "same\n******\nsame")
    assert v("startend:quotation", '"quoted"') and not v("startend:quotation", "“curly”")
    assert v("combination:repeat_prompt", "Say hi. hi", prompt_to_repeat="say hi.")
    assert not v("combination:repeat_prompt", "Sure: say hi.", prompt_to_repeat="say hi.")
    assert v("detectable_format:constrained_response", "Well. My answer is yes.")


def test_capital_word_frequency_counts_nltk_tokens():
    assert v(
        "change_case:capital_word_frequency",
        "I saw NASA and the USA.",
        capital_frequency=3,
        capital_relation="at least",
    )


def test_mmmt_if_categories_with_markdown_quotes_and_unicode():
    assert v("sentence:start_letter", '**Basically** yes. "But" why? 3 Bananas!', letter="B")
    assert not v("sentence:start_letter", "Basically yes. And no.", letter="B")
    assert v("sentence:end_mark", 'Is it? "Really?" *Sure?*', mark="?")
    assert not v("sentence:end_mark", "Is it? No.", mark="?")
    assert v("sentence:words_per_sentence", "One two three. Four five.", num_words=3, relation="at most")
    assert not v("sentence:words_per_sentence", "One two three four. Five.", num_words=3, relation="at most")
    assert v("sentence:count", "A. B. C. D.", num_sentences=4, relation="at most")
    assert not v("sentence:count", "A. B. C. D.", num_sentences=5, relation="at least")
    assert v("keywords:include_phrase", "It is, PER  SE, fine 🙂", phrase="per se")
    assert not v("keywords:include_phrase", "itselfish", phrase="itself")
    assert v("detectable_content:number_parity", "values 4, 7 and 9.5", parity="odd", greater_than=5)
    assert not v("detectable_content:number_parity", "values 4, 5 and 9.5 or seven", parity="odd", greater_than=5)
    assert v("detectable_content:number_parity", "eight is 8", parity="even", greater_than=5)


def test_validate_names_bad_kwargs():
    with pytest.raises(ValueError, match="bad kwargs"):
        validate("punctuation:no_comma", {"oops": 1})
    with pytest.raises(ValueError, match="unknown instruction"):
        validate("no:such", {})
