"""The library as members, visitors and curators use it: listing, search, suggesting, curating."""

import pytest
from django.contrib.postgres.search import SearchVector
from django.db import connection
from django.urls import reverse

from members.models import Notification
from resources.models import Rating, Resource, Use
from resources.services import resource_search
from tests.factories import MemberFactory, OrganisationFactory, TopicFactory
from tests.resources.conftest import make_resource

pytestmark = pytest.mark.django_db


def titles(response) -> list[str]:
    return [resource.title for resource in response.context["page"].object_list]


# --- who sees what --------------------------------------------------------------------------


def test_visitors_see_public_resources_only_and_members_see_both(client, member):
    make_resource("Public run chart tool")
    make_resource("Members' driver diagram", audience=Resource.Audience.MEMBERS)
    make_resource("A draft guide", status=Resource.Status.DRAFT)
    make_resource("An archived report", status=Resource.Status.ARCHIVED)

    assert titles(client.get("/resources/")) == ["Public run chart tool"]
    client.force_login(member)
    assert sorted(titles(client.get("/resources/"))) == [
        "Members' driver diagram",
        "Public run chart tool",
    ]


def test_a_members_only_resource_is_not_found_by_visitors(client, member):
    hidden = make_resource("Members' driver diagram", audience=Resource.Audience.MEMBERS)

    response = client.get(hidden.get_absolute_url())

    assert response.status_code == 404
    assert b"Members&#x27; driver diagram" not in response.content
    client.force_login(member)
    assert client.get(hidden.get_absolute_url()).status_code == 200


def test_drafts_are_seen_only_by_curators_and_their_contributor(client, member, outsider, curator):
    draft = make_resource("A draft guide", status=Resource.Status.DRAFT, contributor=member)

    for person, status in [(outsider, 404), (member, 200), (curator, 200)]:
        client.force_login(person)
        assert client.get(draft.get_absolute_url()).status_code == status, person


def test_an_archived_resource_still_opens_by_its_address_with_a_notice(client):
    archived = make_resource("An archived report", status=Resource.Status.ARCHIVED)

    response = client.get(archived.get_absolute_url())

    assert response.status_code == 200
    assert "no longer listed" in response.content.decode()


# --- filters and search ---------------------------------------------------------------------


def test_filters_by_type_topic_organisation_and_date(client, member):
    falls = TopicFactory(name="Falls prevention")
    lothian = OrganisationFactory(name="NHS Lothian", slug="nhs-lothian")
    make_resource("Falls tool", topics=[falls], organisation=lothian)
    make_resource("Falls case study", kind=Resource.Kind.CASE_STUDY, topics=[falls])
    make_resource("Old falls tool", topics=[falls], published_on="2020-01-01")
    make_resource("Discharge tool")
    client.force_login(member)

    assert titles(
        client.get(f"/resources/?kind=tool&topic={falls.pk}&published_from=2025-01-01")
    ) == ["Falls tool"]
    assert titles(client.get(f"/resources/?organisation={lothian.pk}")) == ["Falls tool"]
    assert titles(client.get("/resources/?published_to=2020-12-31")) == ["Old falls tool"]


def test_search_ranks_a_title_match_above_a_passing_mention(client, member):
    make_resource("Discharge planning tool", summary="Mentions frailty once, in passing.")
    make_resource("Frailty screening guide", summary="All about frailty screening in practice.")
    client.force_login(member)

    found = titles(client.get("/resources/?q=frailty"))

    assert found == ["Frailty screening guide", "Discharge planning tool"]


def test_search_stems_words_and_ignores_odd_input(client, member):
    make_resource("Mentoring new improvement coaches")
    client.force_login(member)

    assert titles(client.get("/resources/?q=mentor")) == ["Mentoring new improvement coaches"]
    for odd in ['"unclosed', "-- OR 1=1; DROP TABLE", "<script>", "🙂", "x" * 500, "&|!"]:
        response = client.get("/resources/", {"q": odd})
        assert response.status_code == 200, odd


def test_a_bad_date_filter_gets_a_message_not_an_error(client, member):
    client.force_login(member)

    response = client.get("/resources/?published_from=31-02-2026")

    assert response.status_code == 200
    assert "Enter a valid date" in response.content.decode()


def test_search_uses_the_stored_vector_index(member):
    Resource.objects.bulk_create(
        Resource(
            title=f"Discharge resource {number}",
            slug=f"discharge-resource-{number}",
            summary="Planning discharge with families.",
            kind=Resource.Kind.GUIDE,
            link="https://example.org/guide",
            status=Resource.Status.PUBLISHED,
            audience=Resource.Audience.PUBLIC,
        )
        for number in range(2000)
    )
    Resource.objects.update(search_vector=SearchVector("title", "summary", config="english"))
    make_resource("Frailty screening guide")
    with connection.cursor() as cursor:
        # Fresh GIN entries wait in a pending list that the planner prices as a full read;
        # autovacuum would merge them, and a busy library has long had them merged.
        cursor.execute("SELECT gin_clean_pending_list('resource_search_gin'::regclass)")
        cursor.execute("ANALYZE resources_resource")
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = resource_search(Resource.objects.visible_to(member).listed(), "frailty").explain()

    assert "resource_search_gin" in plan


@pytest.mark.parametrize("count", [3, 25])
def test_the_library_takes_the_same_queries_whatever_its_size(
    client, member, count, django_assert_num_queries
):
    topic, organisation = TopicFactory(), OrganisationFactory()
    for number in range(count):
        make_resource(
            f"Resource {number}", topics=[topic], organisation=organisation, featured=number < 2
        )
    client.force_login(member)

    # session, member, roles, unread count, count, page, featured, two filter choice lists
    with django_assert_num_queries(9):
        response = client.get("/resources/")
    assert response.status_code == 200


@pytest.mark.parametrize("count", [3, 25])
def test_a_search_takes_the_same_queries_whatever_the_size(
    client, member, count, django_assert_num_queries
):
    for number in range(count):
        make_resource(f"Frailty resource {number}")
    client.force_login(member)

    # As the plain list, less the featured resources a search does not show.
    with django_assert_num_queries(8):
        response = client.get("/resources/?q=frailty&page=1")
    assert response.status_code == 200


# --- suggesting and curating ----------------------------------------------------------------


def test_a_member_suggests_a_resource_and_curators_are_told(client, member, curator):
    client.force_login(member)

    response = client.post(
        "/resources/new/",
        {
            "title": "Our huddle board",
            "kind": "template",
            "summary": "How our ward runs its daily huddle.",
            "link": "https://example.org/huddle-board",
            "audience": "members",
        },
    )

    suggestion = Resource.objects.get(title="Our huddle board")
    assert response.status_code == 302
    assert suggestion.status == Resource.Status.DRAFT
    assert suggestion.suggested_at is not None
    assert suggestion.contributor == member
    assert Notification.objects.filter(recipient=curator, kind="resource_suggested").exists()
    assert "Our huddle board" not in titles(client.get("/resources/"))


def test_a_member_cannot_publish_or_feature_their_own_suggestion(client, member):
    client.force_login(member)

    client.post(
        "/resources/new/",
        {
            "title": "Self-published",
            "kind": "tool",
            "summary": "Trying to skip review.",
            "link": "https://example.org/tool",
            "audience": "public",
            "status": "published",
            "featured": "on",
        },
    )

    suggestion = Resource.objects.get(title="Self-published")
    assert suggestion.status == Resource.Status.DRAFT
    assert not suggestion.featured


def test_a_curator_publishes_a_suggestion_and_its_contributor_is_told(client, member, curator):
    suggestion = make_resource(
        "Our huddle board",
        status=Resource.Status.DRAFT,
        contributor=member,
        suggested_at="2026-11-01T09:00Z",
    )
    client.force_login(curator)

    assert "Our huddle board" in client.get("/resources/review/").content.decode()
    client.post(reverse("resources:curate", args=[suggestion.slug]), {"action": "publish"})

    suggestion.refresh_from_db()
    assert suggestion.status == Resource.Status.PUBLISHED
    assert Notification.objects.filter(recipient=member, kind="resource_published").exists()


def test_curators_feature_and_archive(client, curator):
    resource = make_resource("Run chart tool")
    client.force_login(curator)

    client.post(reverse("resources:curate", args=[resource.slug]), {"action": "feature"})
    resource.refresh_from_db()
    assert resource.featured
    assert "Run chart tool" in client.get("/").content.decode()

    client.post(reverse("resources:curate", args=[resource.slug]), {"action": "archive"})
    resource.refresh_from_db()
    assert resource.status == Resource.Status.ARCHIVED and not resource.featured
    assert "Run chart tool" not in titles(client.get("/resources/"))


def test_members_cannot_curate(client, member):
    resource = make_resource("Run chart tool")
    client.force_login(member)

    response = client.post(reverse("resources:curate", args=[resource.slug]), {"action": "archive"})

    assert response.status_code == 403
    resource.refresh_from_db()
    assert resource.status == Resource.Status.PUBLISHED


def test_a_contributor_edits_their_draft_but_not_once_published(client, member):
    draft = make_resource("Our huddle board", status=Resource.Status.DRAFT, contributor=member)
    client.force_login(member)
    edit = reverse("resources:edit", args=[draft.slug])

    assert client.get(edit).status_code == 200
    draft.status = Resource.Status.PUBLISHED
    draft.save()
    assert client.get(edit).status_code == 404


def test_a_resource_needs_a_file_or_a_link(client, curator):
    client.force_login(curator)

    response = client.post(
        "/resources/new/",
        {
            "title": "Nothing attached",
            "kind": "guide",
            "summary": "No file.",
            "audience": "public",
            "status": "published",
        },
    )

    assert response.status_code == 200
    assert "Upload a file or give a web address" in response.content.decode()
    assert not Resource.objects.exists()


def test_overlong_and_missing_fields_get_messages_beside_them(client, curator):
    client.force_login(curator)

    response = client.post(
        "/resources/new/",
        {
            "title": "x" * 500,
            "kind": "",
            "summary": "",
            "link": "javascript:alert(1)",
            "audience": "public",
            "status": "published",
        },
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "at most 200 characters" in page
    assert "Choose the type of resource." in page
    assert "Enter a summary" in page
    assert "Enter a web address starting with https://" in page
    assert not Resource.objects.exists()


def test_a_summary_is_rendered_through_the_one_sanitiser(client):
    resource = make_resource(
        "Careful", summary="Hello <script>alert(1)</script> [click](javascript:alert(2))"
    )

    page = client.get(resource.get_absolute_url()).content.decode()

    assert "<script>alert(1)" not in page
    assert "javascript:alert" not in page


# --- ratings and use ------------------------------------------------------------------------


def test_members_rate_and_mark_use_and_the_counts_show(client, member, outsider):
    resource = make_resource("Run chart tool")
    for person, stars in [(member, 5), (outsider, 3)]:
        client.force_login(person)
        client.post(reverse("resources:rate", args=[resource.slug]), {"stars": stars})
        client.post(reverse("resources:used", args=[resource.slug]))
    client.force_login(member)
    client.post(reverse("resources:rate", args=[resource.slug]), {"stars": 4})  # a change of mind

    page = client.get(resource.get_absolute_url()).content.decode()

    assert "Used in practice by 2 members" in page
    assert "Rated 3.5 out of 5 by 2 members" in page


def test_marking_use_twice_takes_it_back(client, member):
    resource = make_resource("Run chart tool")
    client.force_login(member)

    client.post(reverse("resources:used", args=[resource.slug]))
    client.post(reverse("resources:used", args=[resource.slug]))

    resource.refresh_from_db()
    assert resource.use_count == 0


def test_a_rating_out_of_range_gets_a_message_and_changes_nothing(client, member):
    resource = make_resource("Run chart tool")
    client.force_login(member)

    response = client.post(reverse("resources:rate", args=[resource.slug]), {"stars": "11"})

    assert response.status_code == 400
    assert "Choose a number from 1 to 5." in response.content.decode()
    resource.refresh_from_db()
    assert resource.rating_count == 0


def test_visitors_cannot_rate(client):
    resource = make_resource("Run chart tool")

    response = client.post(reverse("resources:rate", args=[resource.slug]), {"stars": 5})

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert resource.ratings.count() == 0


def test_a_member_closing_their_account_keeps_their_resources_in_the_library(client, member):
    from members.services import member_erase

    resource = make_resource("Run chart tool", contributor=member)
    member_erase(MemberFactory._meta.model.objects.get(pk=member.pk))

    page = client.get(resource.get_absolute_url()).content.decode()

    assert client.get(resource.get_absolute_url()).status_code == 200
    assert "Morag Campbell" not in page


def test_the_data_export_lists_contributions_ratings_and_uses(client, member):
    resource = make_resource("Run chart tool", contributor=member)
    client.force_login(member)
    client.post(reverse("resources:rate", args=[resource.slug]), {"stars": 4})
    client.post(reverse("resources:used", args=[resource.slug]))

    export = client.get("/members/me/export/").json()["resources"]

    assert export["contributed"][0]["title"] == "Run chart tool"
    assert [(rating["resource"], rating["stars"]) for rating in export["ratings"]] == [
        ("Run chart tool", 4)
    ]
    assert [use["resource"] for use in export["used_in_practice"]] == ["Run chart tool"]
    # When they rated and marked it, as the database holds it.
    rating, use = Rating.objects.get(member=member), Use.objects.get(member=member)
    assert export["ratings"][0]["rated_at"] == rating.created_at.isoformat()
    assert export["used_in_practice"][0]["marked_at"] == use.created_at.isoformat()


def test_a_future_publication_date_gets_a_message(client, curator):
    client.force_login(curator)

    response = client.post(
        "/resources/new/",
        {
            "title": "From the future",
            "kind": "guide",
            "summary": "Soon.",
            "link": "https://example.org/x",
            "audience": "public",
            "status": "published",
            "published_on": "2099-01-01",
        },
    )

    assert "The publication date cannot be in the future." in response.content.decode()


def test_visitors_do_not_see_who_shared_a_resource(client, member):
    resource = make_resource("Run chart tool", contributor=member)

    assert "Morag Campbell" not in client.get(resource.get_absolute_url()).content.decode()
    client.force_login(member)
    assert "Morag Campbell" in client.get(resource.get_absolute_url()).content.decode()


def test_words_are_searched_even_when_another_filter_is_wrong(client, member):
    make_resource("Frailty screening guide")
    make_resource("Discharge tool")
    client.force_login(member)

    assert titles(client.get("/resources/?q=frailty&topic=abc")) == ["Frailty screening guide"]


def test_archived_resources_cannot_be_rated(client, member):
    resource = make_resource("Old tool", status=Resource.Status.ARCHIVED)
    client.force_login(member)

    client.post(reverse("resources:rate", args=[resource.slug]), {"stars": 5})
    client.post(reverse("resources:used", args=[resource.slug]))

    resource.refresh_from_db()
    assert resource.rating_count == 0 and resource.use_count == 0


def test_a_turned_down_suggestion_is_told_to_its_contributor(client, member, curator):
    suggestion = make_resource(
        "Duplicate",
        status=Resource.Status.DRAFT,
        contributor=member,
        suggested_at="2026-11-01T09:00Z",
        published_on=None,
    )
    client.force_login(curator)

    client.post(reverse("resources:curate", args=[suggestion.slug]), {"action": "archive"})

    assert Notification.objects.filter(recipient=member, kind="resource_not_added").exists()
    client.force_login(member)
    assert (
        "This suggestion was not added to the library"
        in client.get(suggestion.get_absolute_url()).content.decode()
    )


def test_featured_resources_are_not_repeated_in_the_list_below(client, member):
    for number in range(22):
        make_resource(f"Plain resource {number:02}", featured=False)
    make_resource("Featured guide", featured=True)
    make_resource("Featured tool", featured=True)
    client.force_login(member)

    first = client.get("/resources/").content.decode()
    second = client.get("/resources/?page=2").content.decode()
    searched = client.get("/resources/?q=featured").content.decode()

    featured, listed = first.split("22 more resources")
    assert "Featured guide" in featured and "Featured tool" in featured
    assert "Featured guide" not in listed and "Featured tool" not in listed
    assert "Featured guide" not in second and "22 more resources" in second
    pages = (first + second).count("Plain resource")
    assert pages == 22, "every other resource is on one of the two pages, once"
    assert "2 resources" in searched and searched.count("Featured guide") == 1
