"""Code puts the values into the student's template: the template's words hold, only the seams move."""

from __future__ import annotations

import pytest

from pipeline.steps.email_composer.assembly import assemble, split_sentences, starts_with_vowel_sound
from pipeline.template_fit import classify, placeholder_key, template_placeholders

LOWER = {"robust", "reinforcement", "learning", "graph", "the"}


def fill(template: str, **values: str) -> str:
    placeholders = template_placeholders(template)
    by_key = {placeholder_key(key.replace("__", " ")): value for key, value in values.items()}
    return assemble(template, placeholders, by_key, lowercase_words=LOWER).email


@pytest.mark.parametrize(
    ("text", "kind", "sentences"),
    [
        ("{{name}}", "name", 1),
        ("{{ Professor Name }}", "name", 1),
        ("{{ProfessorLastName}}", "last_name", 1),
        ("{{first_name}}", "first_name", 1),
        ("{{paper_title}}", "title", 1),
        ("{{their recent paper}}", "title", 1),
        ("{{research}}", "work", 1),
        ("{{research_area}}", "phrase", 1),
        ("{{one sentence about why their work excites me}}", "sentence", 1),
        ("{{a few sentences on what I would bring to the lab}}", "sentence", 3),
        ("{{why I want to join your group next year}}", "sentence", 2),
        ("{{ }}", "phrase", 1),
    ],
)
def test_what_a_placeholder_asks_for_is_read_from_its_words(text: str, kind: str, sentences: int) -> None:
    assert classify(placeholder_key(text)) == (kind, sentences)


def test_the_same_placeholder_written_twice_is_one_value_used_twice() -> None:
    template = "Dear {{name}}, ... thank you, {{ Name }}!"
    assert [p.key for p in template_placeholders(template)] == ["name"]
    assert fill(template, name="Ada Lovelace") == "Dear Ada Lovelace, ... thank you, Ada Lovelace!"


def test_every_template_word_is_kept_and_only_values_are_added() -> None:
    template = "Hi {{name}},\n\nI read {{paper_title}} twice.\n\nBest,\nSam"
    email = fill(template, name="Ada", paper_title="Graph Attention")
    assert email == "Hi Ada,\n\nI read Graph Attention twice.\n\nBest,\nSam"


def test_quotes_the_template_already_has_are_not_doubled() -> None:
    assert (
        fill('I read "{{paper_title}}".', paper_title="\u201cGraph Attention\u201d")
        == 'I read "Graph Attention".'
    )
    assert fill("I read {{paper_title}}.", paper_title='"Graph Attention"') == 'I read "Graph Attention".'
    assert fill("Dear {{name}},", name='"Ada Lovelace"') == "Dear Ada Lovelace,"


def test_template_words_the_value_repeats_are_removed() -> None:
    assert fill("your paper {{paper_title}} and", paper_title="paper Graph Attention") == (
        "your paper Graph Attention and"
    )
    assert fill("Dear {{name}},", name="Dear Ada Lovelace,") == "Dear Ada Lovelace,"


def test_text_beyond_what_the_placeholder_allows_is_cut() -> None:
    template = "I read {{paper_title}} and loved it."
    placeholders = template_placeholders(template)
    result = assemble(
        template,
        placeholders,
        {"paper title": "Graph Attention. It ties in with my plans."},
        lowercase_words=LOWER,
    )
    assert result.email == "I read Graph Attention and loved it."
    assert result.cut == {"paper title": "It ties in with my plans."}
    assert any("cut text the template does not have" in note for note in result.notes)


def test_a_free_text_placeholder_keeps_the_sentences_it_asks_for() -> None:
    template = "Hello.\n\n{{one sentence about why their work excites me}}\n\nBest"
    email = fill(template, one__sentence__about__why__their__work__excites__me="It matters. I agree. Yes")
    assert email == "Hello.\n\nIt matters.\n\nBest"
    assert fill(template, one__sentence__about__why__their__work__excites__me="it matters") == (
        "Hello.\n\nIt matters.\n\nBest"
    )


def test_no_doubled_punctuation_at_a_seam() -> None:
    assert fill("Dear {{name}},", name="Ada Lovelace.") == "Dear Ada Lovelace,"
    assert (
        fill("I study {{topic}} and more.", topic="robust learning.") == "I study robust learning and more."
    )
    assert fill("Ever wondered {{question}}.", question="why?") == "Ever wondered why?"
    assert fill("Work by {{name}} et al.", name="Smith et al.") == "Work by Smith et al."


def test_a_value_opening_a_sentence_gets_a_capital_and_a_plain_word_mid_sentence_loses_one() -> None:
    assert fill("Thanks. {{detail}} is great.", detail="your lab") == "Thanks. Your lab is great."
    assert fill("I like {{topic}} a lot.", topic="Robust reinforcement learning") == (
        "I like robust reinforcement learning a lot."
    )
    # Names and title-cased phrases keep their capitals.
    assert (
        fill("I like {{topic}} a lot.", topic="Robust Graph Attention")
        == "I like Robust Graph Attention a lot."
    )
    assert fill("I like {{topic}}.", topic="Northvale robotics") == "I like Northvale robotics."


@pytest.mark.parametrize(
    ("value", "article"),
    [
        ("MRI study", "an"),
        ("hour of data", "an"),
        ("university lab", "a"),
        ("elegant proof", "an"),
        ("NLP benchmark", "an"),
        ("GPU cluster", "a"),
        ("8-bit model", "an"),
        ("one-shot method", "a"),
    ],
)
def test_the_article_before_a_value_agrees_with_its_sound(value: str, article: str) -> None:
    assert fill("It is a {{thing}} indeed.", thing=value) == f"It is {article} {value} indeed."
    assert starts_with_vowel_sound(value) == (article == "an")


def test_an_article_in_the_value_does_not_double_the_templates() -> None:
    assert fill("You built an {{thing}}.", thing="a robust learner") == "You built a robust learner."
    assert fill("A {{thing}} it is.", thing="elegant proof") == "An elegant proof it is."


def test_abbreviations_and_initials_do_not_end_a_sentence() -> None:
    assert split_sentences("Work with Dr. Smith and J. Doe on graphs. Then more.") == [
        "Work with Dr. Smith and J. Doe on graphs.",
        "Then more.",
    ]
