"""Member text through the one renderer: the markup members use, HTML typed in cleaned to the
allow-list with its words kept, pictures as links, nesting and table padding bounded, and every entry of the hostile corpus rendered and sanitised (its speed is measured by
`make bench`, not here)."""

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from base.markdown import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    ALLOWED_URL_SCHEMES,
    MAX_NESTING,
    render_markdown,
)
from tests.factories import ProfileFactory
from tooling.hostile_markdown import hostile_corpus


class Markup(HTMLParser):
    """Every tag and attribute of a rendered piece of text."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_the_markup_members_use_renders_as_before():
    html = render_markdown(
        "We **tested** it *twice*.\n\n"
        "- huddles\n- run charts\n\n"
        "1. plan\n2. do\n\n"
        "> what the ward said\n\n"
        "Use `=AVERAGE()` or\n\n```\nmedian = 4\n```\n\n"
        "[The guide](https://example.org/guide) and <https://example.org/charts>\n\n"
        "### Aim\n\n#### Measures\n\n---\n\n"
        "| week | falls |\n|---|---|\n| 1 | 4 |\n"
    )

    assert "<p>We <strong>tested</strong> it <em>twice</em>.</p>" in html
    assert "<ul>\n<li>huddles</li>\n<li>run charts</li>\n</ul>" in html
    assert "<ol>\n<li>plan</li>\n<li>do</li>\n</ol>" in html
    assert "<blockquote>\n<p>what the ward said</p>\n</blockquote>" in html
    assert "<code>=AVERAGE()</code>" in html
    assert "<pre><code>median = 4\n</code></pre>" in html
    assert (
        '<a href="https://example.org/guide" rel="nofollow noopener noreferrer">The guide</a>'
        in html
    )
    assert (
        '<a href="https://example.org/charts" rel="nofollow noopener noreferrer">'
        "https://example.org/charts</a>" in html
    )
    assert "<h3>Aim</h3>" in html and "<h4>Measures</h4>" in html and "<hr>" in html
    assert "<th>week</th>" in html and "<td>4</td>" in html


@pytest.mark.django_db
def test_html_in_a_bio_keeps_its_words_and_only_the_allowed_tags(client):
    profile = ProfileFactory(
        visibility="public",
        bio=(
            "<p>Pasted from our <strong>intranet</strong>.</p>\n\n"
            "<div>\nOur ward team\n</div>\n\n"
            'We use <b>huddles</b> & <span style="color:red">run charts</span>.'
            "<script>alert(1)</script>"
        ),
    )

    page = client.get(profile.get_absolute_url()).content.decode()

    assert "<p>Pasted from our <strong>intranet</strong>.</p>" in page
    assert "Our ward team" in page
    assert "We use huddles &amp; run charts." in page
    assert "<script>alert(1)" not in page and "alert(1)" not in page
    assert "<b>" not in page and "style=" not in page


def test_a_table_padded_by_a_wide_header_is_shown_without_table_markup():
    text = "|" + "a|" * 1600 + "\n|" + "-|" * 1600 + "\n" + "a\n" * 1000

    html = render_markdown(text)

    assert "<td>" not in html and len(html) < 3 * len(text)


def test_a_table_members_write_still_renders():
    html = render_markdown("| week | falls |\n|---|---|\n" + "| 1 | 4 |\n" * 200)

    assert html.count("<td>") == 400


def test_a_picture_becomes_a_link_to_it():
    html = render_markdown(
        "See ![the run chart](https://example.org/chart.png) and ![](https://example.org/x.png)"
    )

    assert (
        '<a href="https://example.org/chart.png" rel="nofollow noopener noreferrer">'
        "the run chart</a>" in html
    )
    assert ">https://example.org/x.png</a>" in html and "<img" not in html


@pytest.mark.parametrize(
    "marker", [">", "- ", "*", "<ul><li>", "<UL><LI>", "<blockquote></em>", "<blockquote></span>"]
)
def test_nesting_deeper_than_the_limit_is_left_unparsed(marker):
    html = render_markdown(marker * 5000 + " deep")

    opened = [tag for tag, _ in Markup(html).tags]
    assert len(opened) <= 2 * MAX_NESTING


def test_every_entry_of_the_hostile_corpus_renders_sanitised():
    for family, size, text in hostile_corpus():
        html = render_markdown(text)

        for tag, attributes in Markup(html).tags:
            assert tag in ALLOWED_TAGS, (family, size, tag)
            assert set(attributes) <= ALLOWED_ATTRIBUTES.get(tag, set()) | {"rel"}, (
                family,
                size,
                attributes,
            )
            if tag == "a":
                assert attributes["rel"] == "nofollow noopener noreferrer", (family, size)
                scheme = urlsplit(attributes.get("href", "")).scheme
                assert scheme in ALLOWED_URL_SCHEMES | {""}, (family, size, attributes)
