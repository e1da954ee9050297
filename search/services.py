"""Ask the network: one search over people, resources, communities, events, improvement projects
and threads.

Every group starts from the one visibility model (`Profile`, `Resource`, `Community`, `Event`,
`Project` and `Thread` `.objects.visible_to(viewer)`), so nothing reaches a result, a count or a
suggestion that the viewer could not open. Each group is one query: its
best few, ranked by the stored, GIN-indexed vectors, with the total alongside (a window count)
and highlighted snippets (ts_headline) for those few only.

Slips of spelling are corrected against SearchWord, the words the network's searchable text
uses, as Meilisearch forgives them (base/typos.py), when the words as typed find nothing; names
are forgiven their typos directly (members.services.directory_search). Stemming ("mentor"
finds "mentoring") comes from the English text-search configuration the vectors are built with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlencode

from django.contrib.auth.models import AnonymousUser
from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    TrigramWordSimilarity,
)
from django.db import connection, transaction
from django.db.models import (
    Case,
    Count,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
    Window,
)
from django.db.models.functions import Concat, Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from base.text_search import SEARCH_CONFIG, array_text
from base.typos import WORD, typos_allowed, words_match
from communities.models import Community, Post, Thread
from communities.services import community_search
from events.models import Event
from events.services import event_search
from members.models import Profile, Topic
from members.roles import ANY_MEMBER
from members.services import directory_search
from projects.models import Project
from projects.services import project_search
from resources.models import Resource
from resources.services import resource_listing, resource_search
from search.models import SearchWord

MAX_LENGTH = 200  # characters of a query; the rest is left off, and the page says so
BEST = 4  # results shown in each group
RECENT_EVENTS = timedelta(days=90)  # past events still worth finding
# Marks ts_headline puts around matching words; the snippet is escaped, then they become <mark>.
START, STOP = "\x02", "\x03"

WORDS = SearchWord._meta.db_table


def cleaned(raw: str) -> tuple[str, bool]:
    """The query as searched: no NUL bytes or control characters, spaces collapsed, at most
    MAX_LENGTH characters; and whether it had to be shortened."""
    text = " ".join(re.sub(r"[\x00-\x1f\x7f]", " ", raw).split())
    return text[:MAX_LENGTH], len(text) > MAX_LENGTH


def _snippet(text: str | None) -> SafeString:
    # Without a match in it, a headline is only the text's first words: the card says better.
    if not text or START not in text:
        return mark_safe("")
    marked = escape(text).replace(START, "<mark>").replace(STOP, "</mark>")
    return mark_safe(marked)  # noqa: S308 (escaped above; only our own marks became tags)


def _doc(*fields: str) -> Concat:
    """Several text fields as one, for a snippet or the list of known words."""
    parts = [part for name in fields for part in (F(name), Value(" "))][:-1]
    return Concat(*parts, output_field=TextField())


def _headline(expression, text: str) -> SearchHeadline:
    # Our marks must be the only ones: the same characters in stored text are dropped first.
    unmarked = Func(expression, Value(START + STOP), Value(""), function="translate")
    return SearchHeadline(
        unmarked,
        SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG),
        config=SEARCH_CONFIG,
        start_sel=START,
        stop_sel=STOP,
        max_words=30,
        min_words=12,
        max_fragments=2,
        fragment_delimiter=" … ",
    )


def _listing(name: str, text: str) -> str:
    """The app's own list, searching for the same words."""
    return f"{reverse(name)}?{urlencode({'q': text})}"


@dataclass
class Group:
    key: str
    title: str
    results: list = field(default_factory=list)
    total: int = 0
    see_all: str = ""


def with_snippets(rows) -> None:
    for row in rows:
        row.snippet = _snippet(getattr(row, "headline", ""))


def _best(queryset: QuerySet) -> tuple[list, int]:
    """The best few and how many there are in all, in one query."""
    rows = list(queryset.annotate(total=Window(Count("pk")))[:BEST])
    with_snippets(rows)
    return rows, rows[0].total if rows else 0


def people(viewer, text: str) -> Group:
    found = directory_search(Profile.objects.visible_to(viewer), text).annotate(
        headline=_headline("bio", text),  # the job title is on the card already
        # In the same query, not fetched after it as the directory does: one query a group.
        expertise_names=ArraySubquery(
            Topic.objects.filter(experts=OuterRef("pk")).order_by("name").values("name")
        ),
    )
    results, total = _best(found.select_related("member", "organisation").defer("search_vector"))
    see_all = _listing("members:directory", text)
    if not viewer.is_authenticated:
        # The directory is for members: a visitor's "see all" is an invitation to sign in.
        see_all = f"{reverse('account_login')}?{urlencode({'next': see_all})}"
    return Group("people", "People", results, total, see_all)


def resources(viewer, text: str) -> Group:
    found = resource_search(Resource.objects.visible_to(viewer).listed(), text).annotate(
        headline=_headline("summary", text)
    )
    results, total = _best(resource_listing(found))
    return Group("resources", "Resources", results, total, _listing("resources:list", text))


def communities(viewer, text: str) -> Group:
    found = community_search(Community.objects.visible_to(viewer), text).annotate(
        headline=_headline("purpose", text)
    )
    results, total = _best(found)
    return Group("communities", "Communities", results, total, _listing("communities:list", text))


def events(viewer, text: str) -> Group:
    # Upcoming and recent ones, as the events list shows them to this viewer.
    seen = Event.objects.visible_to(viewer).filter(ends_at__gte=timezone.now() - RECENT_EVENTS)
    found = (
        event_search(seen, text)
        .annotate(headline=_headline("summary", text))
        .order_by("-relevance", "starts_at", "pk")
    )
    results, total = _best(found)
    return Group("events", "Events", results, total, _listing("events:list", text))


def projects(viewer, text: str) -> Group:
    """Improvement projects by title, aim and background; a visitor finds the public ones by
    their title and aim alone, as their public summary shows them (projects.services)."""
    found = project_search(Project.objects.visible_to(viewer), text, viewer=viewer)
    # The snippet comes from the words the viewer searched: the background only for readers.
    whole_story = Project.objects.readable_by(viewer).values("pk")
    told = Case(
        When(pk__in=whole_story, then=_doc("aim", "summary")),
        default=F("aim"),
        output_field=TextField(),
    )
    results, total = _best(found.annotate(headline=_headline(told, text)))
    return Group("projects", "Projects", results, total, _listing("projects:list", text))


def threads(viewer, text: str) -> Group:
    found = thread_search(viewer, text)
    results, total = _best(found)
    return Group(
        "threads",
        "Community discussions",
        results,
        total,
        f"{reverse('search')}?{urlencode({'q': text, 'in': 'threads'})}",
    )


def thread_search(viewer, text: str) -> QuerySet[Thread]:
    query = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
    opening = Post.objects.readable().filter(thread=OuterRef("pk")).order_by("created_at", "pk")
    return (
        Thread.objects.visible_to(viewer)
        .filter(search_vector=query)
        .select_related("community")
        .annotate(
            relevance=SearchRank(F("search_vector"), query),
            headline=_headline(Subquery(opening.values("body")[:1]), text),
        )
        .order_by("-relevance", "-last_post_at", "pk")
    )


GROUPS = [people, resources, communities, events, projects, threads]


def search(viewer, text: str) -> list[Group]:
    return [group(viewer, text) for group in GROUPS]


# --- slips of spelling -----------------------------------------------------------------------


def _audiences(viewer) -> list[str]:
    if viewer.is_authenticated:
        return [SearchWord.Audience.PUBLIC, SearchWord.Audience.MEMBERS]
    return [SearchWord.Audience.PUBLIC]


def corrected(viewer, text: str) -> str | None:
    """The query with each unknown word replaced by the closest known one within its typos
    (base/typos.py: none in a word of under 5 letters), or None when there is nothing to
    correct. Only words the viewer could find are offered, and never a stop word ("not"),
    which finds nothing itself."""
    words = [word for word in dict.fromkeys(WORD.findall(text.lower())) if typos_allowed(word)]
    if not words:
        return None
    with connection.cursor() as cursor:
        # The typo keys' GIN index finds the few candidates; network_typos counts exactly.
        cursor.execute(
            f"""
            SELECT asked.word, (
                SELECT known.word FROM {WORDS} known
                WHERE network_typo_keys(known.word) && network_typo_keys(asked.word)
                  AND known.audience = ANY(%s)
                  AND network_typos(asked.word, known.word, asked.allowed) <= asked.allowed
                  AND to_tsvector(%s, known.word) != ''::tsvector
                ORDER BY network_typos(asked.word, known.word, asked.allowed),
                         similarity(known.word, asked.word) DESC, known.word
                LIMIT 1
            )
            FROM unnest(%s::text[], %s::integer[]) AS asked(word, allowed)
            WHERE NOT EXISTS (
                SELECT 1 FROM {WORDS} known
                WHERE known.word = asked.word AND known.audience = ANY(%s)
            )
            """,  # noqa: S608 (the table's own name; values travel as parameters)
            [
                _audiences(viewer),
                SEARCH_CONFIG,
                words,
                [typos_allowed(word) for word in words],
                _audiences(viewer),
            ],
        )
        fixes = {word: better for word, better in cursor.fetchall() if better}
    if not fixes:
        return None
    return WORD.sub(lambda found: fixes.get(found.group().lower(), found.group()), text)


def words_refresh() -> int:
    """Rebuild the known words from what may be searched, each marked for everyone or for
    members, by the one visibility model: the public words are what a visitor may see, the
    members' words what any member may (ANY_MEMBER: nothing from a secret community, a closed
    community's discussions, a draft, a suggestion turned down or a closed account)."""
    visitor = AnonymousUser()
    sources = {
        SearchWord.Audience.PUBLIC: [
            Topic.objects.annotate(doc=F("name")),
            Community.objects.visible_to(visitor).annotate(doc=_doc("name", "purpose")),
            Resource.objects.visible_to(visitor).listed().annotate(doc=_doc("title", "summary")),
            Event.objects.visible_to(visitor).annotate(doc=_doc("title", "summary")),
            # A visitor sees a public project's summary: its title and aim, not its background.
            Project.objects.visible_to(visitor).annotate(doc=_doc("title", "aim")),
        ],
        SearchWord.Audience.MEMBERS: [
            Community.objects.visible_to(ANY_MEMBER).annotate(doc=_doc("name", "purpose")),
            Resource.objects.visible_to(ANY_MEMBER).listed().annotate(doc=_doc("title", "summary")),
            Event.objects.visible_to(ANY_MEMBER).annotate(doc=_doc("title", "summary")),
            Project.objects.readable_by(ANY_MEMBER).annotate(doc=_doc("title", "aim", "summary")),
            Thread.objects.visible_to(ANY_MEMBER).annotate(doc=F("title")),
            Post.objects.visible_to(ANY_MEMBER).readable().annotate(doc=F("body")),
            Profile.objects.visible_to(ANY_MEMBER).annotate(
                doc=Concat(
                    "job_title",
                    Value(" "),
                    "bio",
                    Value(" "),
                    array_text("expertise_tags"),
                    output_field=TextField(),
                )
            ),
        ],
    }
    parts, params = [], []
    for audience, querysets in sources.items():
        for rows in querysets:
            sql, part_params = rows.order_by().values("doc").query.sql_with_params()
            parts.append(f"SELECT doc, %s AS audience FROM ({sql}) part")  # noqa: S608
            params += [audience, *part_params]
    # "public" sorts after "members": DISTINCT ON keeps a word public if anyone may find it.
    words = f"""
        SELECT DISTINCT ON (word) word, audience FROM (
            SELECT unnest(tsvector_to_array(to_tsvector('simple', doc))) AS word, audience
            FROM ({" UNION ALL ".join(parts)}) docs
        ) split
        WHERE word ~ '^[[:alpha:]]+$' AND length(word) BETWEEN 3 AND 60
        ORDER BY word, audience DESC
    """  # noqa: S608 (only the ORM's own SQL is joined in; values travel as parameters)
    with transaction.atomic(), connection.cursor() as cursor:
        # One rebuild at a time: a second would meet the first one's words.
        cursor.execute(f"LOCK TABLE {WORDS} IN EXCLUSIVE MODE")
        cursor.execute(f"DELETE FROM {WORDS}")  # noqa: S608
        cursor.execute(f"INSERT INTO {WORDS} (word, audience) {words}", params)
        return cursor.rowcount


# --- suggestions as a member types -----------------------------------------------------------

SUGGESTIONS = 5


def _named(field: str, typed: str) -> Q:
    """Names containing what was typed, close to it, or with each word typed within its typos."""
    found = Q(**{f"{field}__contains": typed}) | Q(**{f"{field}__trigram_word_similar": typed})
    if near := words_match(field, typed):
        found |= near
    return found


def suggestions(viewer, text: str) -> dict[str, list]:
    """People, communities and projects by name, for the search box: names containing what was
    typed, close to it or within its typos, best first. Three indexed queries (trigram and typo
    key GIN indexes on the names)."""
    typed = cleaned(text)[0].lower()
    if len(typed) < 2:
        return {"people": [], "communities": [], "projects": [], "count": 0}
    names = (
        Profile.objects.visible_to(viewer)
        .select_related("member")
        .annotate(name=Lower("member__name"))
        .filter(_named("name", typed))
        .annotate(closeness=TrigramWordSimilarity(typed, "name"))
        .order_by("-closeness", "name", "pk")[:SUGGESTIONS]
    )
    communities = (
        Community.objects.visible_to(viewer)
        .annotate(lowered=Lower("name"))
        .filter(_named("lowered", typed))
        .annotate(closeness=TrigramWordSimilarity(typed, "lowered"))
        .order_by("-closeness", "name", "pk")[:SUGGESTIONS]
    )
    projects = (
        Project.objects.visible_to(viewer)
        .annotate(lowered=Lower("title"))
        .filter(_named("lowered", typed))
        .annotate(closeness=TrigramWordSimilarity(typed, "lowered"))
        .only("title", "slug")
        .order_by("-closeness", "title", "pk")[:SUGGESTIONS]
    )
    names, communities, projects = list(names), list(communities), list(projects)
    return {
        "people": names,
        "communities": communities,
        "projects": projects,
        "count": len(names) + len(communities) + len(projects),
    }
