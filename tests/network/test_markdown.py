"""Member text through the one renderer: the markup members use, raw HTML left out, pictures as
links, nesting bounded, and every entry of the hostile corpus rendered and sanitised (its speed is measured by
`make bench`, not here)."""

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from network.hostile_markdown import hostile_corpus
from network.markdown import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    ALLOWED_URL_SCHEMES,
    MAX_NESTING,
    render_markdown,
)
from tests.factories import ProfileFactory


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
def test_html_in_a_bio_is_left_out_and_its_words_kept(client):
    profile = ProfileFactory(
        visibility="public", bio="We use <b>huddles</b> & <script>alert(1)</script> daily."
    )

    page = client.get(profile.get_absolute_url()).content.decode()

    assert "We use huddles &amp; alert(1) daily." in page
    assert "<script>alert(1)" not in page and "<b>" not in page


def test_a_picture_becomes_a_link_to_it():
    html = render_markdown(
        "See ![the run chart](https://example.org/chart.png) and ![](https://example.org/x.png)"
    )

    assert (
        '<a href="https://example.org/chart.png" rel="nofollow noopener noreferrer">'
        "the run chart</a>" in html
    )
    assert ">https://example.org/x.png</a>" in html and "<img" not in html


@pytest.mark.parametrize("marker", [">", "- ", "*"])
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
