"""Member text where Markdown cannot show: one line for a list, or a plain-text e-mail."""

import pytest

from base.markdown import plain_summary, plain_text

GUIDE = """This guide on **measures that matter** helps teams choose.

It includes:

- a one-page overview
- worked examples from [three boards](https://example.org/boards)
- a *checklist*

## Next steps

Write to [the team](mailto:team@example.org) or see <https://example.org/guide>."""


def test_a_summary_drops_the_marks_and_keeps_list_items_apart():
    summary = plain_summary(GUIDE, 1000)

    assert summary == (
        "This guide on measures that matter helps teams choose. It includes: a one-page "
        "overview; worked examples from three boards; a checklist. Next steps. Write to the "
        "team or see https://example.org/guide."
    )


@pytest.mark.parametrize(
    "text, words",
    [
        ("**Bold** and _leaning_ words", "Bold and leaning words."),
        ("### A heading\n\nIts paragraph.", "A heading. Its paragraph."),
        ("1. first\n2. second\n\nAfter.", "first; second. After."),
        ("See [the guide](https://example.org/g).", "See the guide."),
        ("Fish &amp; chips < 5", "Fish & chips < 5."),
    ],
)
def test_a_summary_reads_as_plain_words(text, words):
    assert plain_summary(text) == words


def test_a_long_summary_is_cut_at_the_last_sentence_that_fits():
    text = "The first sentence is short. " + "The second goes on and on " * 3 + "to its end."

    assert plain_summary(text, 50) == "The first sentence is short."


def test_a_long_summary_without_a_sentence_end_is_cut_at_a_word():
    text = "improvement " * 40

    summary = plain_summary(text, 50)

    assert summary == "improvement improvement improvement improvement…"
    assert len(summary) <= 51


def test_a_plain_text_e_mail_shows_paragraphs_lists_and_links_as_a_person_types_them():
    assert plain_text(GUIDE) == (
        "This guide on measures that matter helps teams choose.\n"
        "\n"
        "It includes:\n"
        "\n"
        "- a one-page overview\n"
        "- worked examples from three boards (https://example.org/boards)\n"
        "- a checklist\n"
        "\n"
        "Next steps\n"
        "\n"
        "Write to the team (team@example.org) or see https://example.org/guide."
    )


def test_plain_text_numbers_ordered_lists_and_indents_nested_ones():
    assert plain_text("1. one\n2. two\n   - inner\n\nEnd.") == "1. one\n2. two\n  - inner\n\nEnd."
