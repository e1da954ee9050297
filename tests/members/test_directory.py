import pytest
from django.db import connection
from django.urls import reverse

from members.models import Organisation, Profile
from members.services import directory_listing, directory_search, member_erase
from tests.factories import OrganisationFactory, ProfileFactory, TopicFactory

pytestmark = pytest.mark.django_db

DIRECTORY = reverse("members:directory")


def names(response) -> list[str]:
    return [profile.member.name for profile in response.context["page"].object_list]


@pytest.fixture
def viewer(client, db):
    viewer = ProfileFactory(member__name="Vera Viewer", slug="vera-viewer")
    client.force_login(viewer.member)
    return viewer


def test_visitors_cannot_browse_the_directory(client):
    response = client.get(DIRECTORY)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_typos_in_a_name_still_find_the_person(client, viewer, owner):
    ProfileFactory(member__name="Hamish Grant")

    assert names(client.get(DIRECTORY, {"q": "Morg Campbel"})) == ["Morag Campbell"]
    assert names(client.get(DIRECTORY, {"q": "campbell"})) == ["Morag Campbell"]


def test_search_finds_expertise_job_titles_and_bios_with_stemming(client, viewer, owner, falls):
    ProfileFactory(member__name="Ewan Bio", bio="Our team is mentoring newly qualified nurses.")
    ProfileFactory(member__name="Jo Falls", expertise=[falls], job_title="Physiotherapist")

    assert names(client.get(DIRECTORY, {"q": "frailty"})) == ["Morag Campbell"]
    assert names(client.get(DIRECTORY, {"q": "physiotherapists"})) == ["Jo Falls"]
    assert names(client.get(DIRECTORY, {"q": "mentor"})) == ["Ewan Bio"]


def test_an_expertise_match_ranks_above_a_passing_mention(client, viewer, owner):
    ProfileFactory(member__name="Aileen Passing", bio="I once went to a talk about frailty.")

    assert names(client.get(DIRECTORY, {"q": "frailty"})) == ["Morag Campbell", "Aileen Passing"]


@pytest.mark.parametrize(
    "odd_query",
    ['"unclosed', "frailty & | !", "'; DROP TABLE members_user; --", "🙂", "x" * 2000, "   ", "-"],
)
def test_odd_queries_get_a_page_not_an_error(client, viewer, owner, odd_query):
    response = client.get(DIRECTORY, {"q": odd_query})

    assert response.status_code == 200


def test_filters_narrow_the_list(client, viewer, owner, falls):
    council = OrganisationFactory(
        name="Fife Council", slug="fife-council", kind="council", region="east"
    )
    ProfileFactory(
        member__name="Cal Council",
        organisation=council,
        sector="local_authority",
        region="north",
        open_to_mentoring=True,
        expertise=[falls],
    )
    ProfileFactory(member__name="Lou Looking", looking_for_mentor=True, region="west")

    assert names(client.get(DIRECTORY, {"organisation": owner.organisation_id})) == [
        "Morag Campbell"
    ]
    assert names(client.get(DIRECTORY, {"organisation_type": Organisation.Kind.COUNCIL})) == [
        "Cal Council"
    ]
    assert names(client.get(DIRECTORY, {"sector": "local_authority"})) == ["Cal Council"]
    assert names(client.get(DIRECTORY, {"region": "west"})) == ["Lou Looking"]
    assert names(client.get(DIRECTORY, {"expertise": falls.pk})) == ["Cal Council"]
    assert names(client.get(DIRECTORY, {"mentoring": "mentors"})) == ["Cal Council"]
    assert names(client.get(DIRECTORY, {"mentoring": "mentees"})) == ["Lou Looking"]
    assert names(client.get(DIRECTORY, {"region": "north", "q": "frailty"})) == []


def test_a_bad_filter_value_is_ignored_with_a_message_not_an_error(client, viewer, owner):
    response = client.get(DIRECTORY, {"region": "atlantis", "expertise": "not-a-number"})

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_a_card_shows_enough_to_decide_whom_to_contact(client, viewer, owner):
    page = client.get(DIRECTORY, {"q": "Morag"}).content.decode()

    for detail in ["Morag Campbell", "Frailty practitioner", "NHS Lothian", "Frailty", "East"]:
        assert detail in page
    assert 'href="/members/morag-campbell/"' in page


def test_closed_and_inactive_accounts_are_not_listed(client, viewer, owner):
    gone = ProfileFactory(member__name="Gone Away")
    member_erase(gone.member)
    ProfileFactory(member__name="Sus Pended", member__is_active=False)

    assert names(client.get(DIRECTORY)) == ["Morag Campbell", "Vera Viewer"]


def test_the_directory_pages_through_members(client, viewer):
    for number in range(25):
        ProfileFactory(member__name=f"Member {number:02}")

    first, second = client.get(DIRECTORY), client.get(DIRECTORY, {"page": 2})

    assert len(names(first)) == 20
    assert len(names(second)) == 6
    assert 'aria-current="page"' in second.content.decode()
    assert client.get(DIRECTORY, {"page": "999"}).status_code == 200


# Session, member, unread count, the form's expertise and organisation choices, count, page,
# the page's expertise.
DIRECTORY_QUERIES = 8


@pytest.mark.parametrize(
    "filters", [{}, {"q": "frailty"}, {"region": "east", "mentoring": "mentors"}]
)
def test_the_directory_uses_the_same_queries_for_few_or_many_members(
    client, viewer, frailty, django_assert_num_queries, filters
):
    ProfileFactory.create_batch(2, expertise=[frailty], open_to_mentoring=True)
    with django_assert_num_queries(DIRECTORY_QUERIES):
        client.get(DIRECTORY, filters)

    for _ in range(18):
        ProfileFactory(
            expertise=[frailty, TopicFactory()],
            organisation=OrganisationFactory(),
            open_to_mentoring=True,
        )
    with django_assert_num_queries(DIRECTORY_QUERIES):
        response = client.get(DIRECTORY, filters)
    assert len(names(response)) == 20


def test_directory_search_uses_the_gin_indexes(viewer):
    with connection.cursor() as cursor:
        # A test's few rows are cheapest read whole or through any b-tree; forbidding both
        # leaves the bitmap scans a GIN index offers.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
    plan = directory_search(
        directory_listing(Profile.objects.visible_to(viewer.member)), "frailty"
    ).explain()

    assert "profile_search_gin" in plan
    assert "member_name_trigram" in plan


def test_everyone_in_the_directory_is_someone_the_viewer_may_see(viewer, owner):
    assert set(Profile.objects.visible_to(viewer.member)) == set(Profile.objects.all())


def test_someone_who_has_not_confirmed_their_address_is_not_listed(client, viewer, owner):
    pretender = ProfileFactory(
        member__name="Chief Nurse Fake", member__verified=False, slug="chief-nurse-fake"
    )

    assert names(client.get(DIRECTORY, {"q": "Chief Nurse"})) == []
    assert client.get(reverse("members:profile", args=[pretender.slug])).status_code == 404


def test_a_dropped_letter_and_a_surname_with_a_stem_still_find_people(client, viewer, owner):
    ProfileFactory(member__name="Gareth Jones", job_title="Charge nurse")

    assert names(client.get(DIRECTORY, {"q": "Cambell"})) == ["Morag Campbell"]
    assert names(client.get(DIRECTORY, {"q": "Jones nurse"})) == ["Gareth Jones"]
