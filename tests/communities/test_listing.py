import pytest
from django.urls import reverse

from communities.models import Community
from tests.communities.conftest import join, make_community
from tests.factories import ProfileFactory, TopicFactory

pytestmark = pytest.mark.django_db

LIST = reverse("communities:list")


def names(response) -> list[str]:
    return sorted(community.name for community in response.context["page"].object_list)


def test_visitors_see_only_open_communities(
    client, open_community, closed_community, secret_community
):
    assert names(client.get(LIST)) == ["Frailty Improvement Network"]


def test_members_see_closed_ones_and_only_their_own_secret_ones(
    client, open_community, closed_community, secret_community, stranger, participant
):
    client.force_login(stranger)
    assert names(client.get(LIST)) == ["Frailty Improvement Network", "QI Coaches Circle"]
    client.force_login(participant)
    assert "Board Improvement Leads" in names(client.get(LIST))


def test_each_shows_its_purpose_members_and_activity(client, open_community):
    page = client.get(LIST).content.decode()

    assert "sharing what works, together." in page
    assert "2 members" in page
    assert "Last active" in page


def test_filters_by_topic_region_level_and_words(client, moderator, participant):
    frailty = TopicFactory(name="Frailty", slug="frailty")
    north = make_community(
        moderator,
        "Highland Practitioners",
        level="regional",
        region="north",
        purpose="Remote and rural community health in the Highlands.",
    )
    north.topics.add(frailty)
    make_community(
        moderator,
        "Digital Champions",
        level="national",
        purpose="Clinicians who champion digital ways of working.",
    )
    client.force_login(participant)

    assert names(client.get(LIST, {"topic": frailty.pk})) == ["Highland Practitioners"]
    assert names(client.get(LIST, {"region": "north"})) == ["Highland Practitioners"]
    assert names(client.get(LIST, {"level": "national"})) == ["Digital Champions"]
    assert names(client.get(LIST, {"q": "championing digital"})) == ["Digital Champions"]
    assert client.get(LIST, {"q": "'\"); DROP", "level": "galactic"}).status_code == 200


def test_the_list_uses_the_same_queries_for_few_or_many(
    client, moderator, participant, django_assert_num_queries
):
    client.force_login(participant)
    make_community(moderator, "Community 0")
    with django_assert_num_queries(9):
        client.get(LIST)
    for number in range(1, 25):
        community = make_community(moderator, f"Community {number}")
        community.topics.add(TopicFactory())
        join(community, ProfileFactory().member)
    with django_assert_num_queries(9):
        response = client.get(LIST)
    assert len(response.context["page"].object_list) == 20
    assert Community.objects.count() == 25
