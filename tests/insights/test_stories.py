"""Stories of change and the network's yearly self-assessment."""

import pytest
from django.urls import reverse

from communities.models import Community, Membership
from insights.models import Assessment, Feature, Story
from members.models import Notification

pytestmark = pytest.mark.django_db


def story_form(**fields):
    return {
        "title": "Fewer falls after a ward huddle",
        "change": "A ten-minute huddle at each shift change.",
        "place": "Ward 12, Victoria Hospital",
        "result": "Falls halved in six months.",
        "features": ["collective_intelligence"],
        **fields,
    }


def make_story(author, status=Story.Status.PUBLISHED, **fields):
    return Story.objects.create(
        author=author,
        title=fields.pop("title", "Fewer falls after a ward huddle"),
        change="A huddle.",
        place="Ward 12",
        result="Falls halved.",
        features=[Feature.COLLECTIVE_INTELLIGENCE],
        status=status,
        **fields,
    )


def test_a_member_shares_a_story_and_coordinators_are_told(client, member, coordinator):
    client.force_login(member)

    response = client.post(reverse("insights:story_create"), story_form())

    story = Story.objects.get()
    assert response["Location"] == story.get_absolute_url()
    assert story.status == Story.Status.SUBMITTED and story.author == member
    assert Notification.objects.filter(recipient=coordinator, kind="story_submitted").exists()


def test_a_story_needs_its_parts_and_a_feature(client, member):
    client.force_login(member)

    response = client.post(reverse("insights:story_create"), {"title": "x" * 200})

    page = response.content.decode()
    assert "Say what you changed." in page and "Choose at least one feature." in page
    assert "at most 150 characters" in page
    assert not Story.objects.exists()


def test_a_secret_community_cannot_be_named_in_a_story(client, member):
    secret = Community.objects.create(
        name="Whistleblowing support",
        slug="whistleblowing",
        purpose="Private.",
        privacy=Community.Privacy.SECRET,
    )
    Membership.objects.create(community=secret, member=member)
    client.force_login(member)

    response = client.post(reverse("insights:story_create"), story_form(community=secret.pk))

    assert "Select a valid choice" in response.content.decode()
    assert not Story.objects.exists()


def test_submitted_stories_are_seen_only_by_their_author_and_coordinators(
    client, member, outsider, coordinator
):
    story = make_story(member, status=Story.Status.SUBMITTED)

    assert client.get(story.get_absolute_url()).status_code == 404
    for person, status in [(outsider, 404), (member, 200), (coordinator, 200)]:
        client.force_login(person)
        assert client.get(story.get_absolute_url()).status_code == status


def test_a_coordinator_publishes_and_the_story_reaches_the_home_page(client, member, coordinator):
    story = make_story(member, status=Story.Status.SUBMITTED)
    client.force_login(coordinator)

    client.post(reverse("insights:story_review", args=[story.pk]), {"decision": "publish"})

    story.refresh_from_db()
    assert story.status == Story.Status.PUBLISHED
    assert Notification.objects.filter(recipient=member, kind="story_published").exists()
    client.logout()
    home = client.get("/").content.decode()
    assert "Fewer falls after a ward huddle" in home
    # Visitors read the story, not who told it.
    assert "Morag Campbell" not in client.get(story.get_absolute_url()).content.decode()


def test_members_cannot_review(client, member, outsider):
    story = make_story(member, status=Story.Status.SUBMITTED)
    client.force_login(outsider)

    response = client.post(
        reverse("insights:story_review", args=[story.pk]), {"decision": "publish"}
    )

    assert response.status_code == 403
    story.refresh_from_db()
    assert story.status == Story.Status.SUBMITTED


@pytest.mark.parametrize("count", [2, 12])
def test_the_story_list_takes_the_same_queries_whatever_its_size(
    client, member, count, django_assert_num_queries
):
    for number in range(count):
        make_story(member, title=f"Story {number}")

    with django_assert_num_queries(2):  # count, page
        response = client.get(reverse("insights:stories"))
    assert response.status_code == 200


def test_coordinators_record_the_self_assessment_and_members_see_the_trend(
    client, coordinator, member
):
    client.force_login(coordinator)
    ratings = {
        f"{feature.value}_rating": str(number % 5 + 1) for number, feature in enumerate(Feature)
    }

    client.post(reverse("insights:assessment"), {"year": 2025, **ratings})
    client.post(
        reverse("insights:assessment"),
        {
            "year": 2026,
            **ratings,
            "critical_mass_rating": "5",
            "critical_mass_evidence": "More regions joined.",
        },
    )
    client.post(
        reverse("insights:assessment"), {"year": 2026, **ratings, "critical_mass_rating": "4"}
    )  # a correction

    assert Assessment.objects.count() == 10
    assert Assessment.objects.get(year=2026, feature="critical_mass").rating == 4
    client.force_login(member)
    page = client.get(reverse("insights:dashboard")).content.decode()
    assert '<th scope="col">2025</th>' in page and '<th scope="col">2026</th>' in page


def test_a_missing_rating_gets_a_message_and_saves_nothing(client, coordinator):
    client.force_login(coordinator)

    response = client.post(reverse("insights:assessment"), {"year": "twenty"})

    page = response.content.decode()
    assert "Enter a year, for example 2026." in page
    assert "Rate common purpose from 1 to 5." in page
    assert not Assessment.objects.exists()


def test_members_cannot_record_the_self_assessment(client, member):
    client.force_login(member)

    assert client.get(reverse("insights:assessment")).status_code == 403


def test_an_earlier_year_opens_with_its_own_ratings(client, coordinator):
    Assessment.objects.create(year=2024, feature="critical_mass", rating=2, evidence="Few regions.")
    client.force_login(coordinator)

    page = client.get(reverse("insights:assessment") + "?year=2024").content.decode()

    assert 'value="2024"' in page and "Few regions." in page
    assert client.get(reverse("insights:assessment") + "?year=%00").status_code == 200


def test_a_story_names_a_closed_community_only_to_those_who_may_see_it(client, member, outsider):
    closed = Community.objects.create(
        name="Charge nurses' circle",
        slug="charge-nurses",
        purpose="x",
        privacy=Community.Privacy.CLOSED,
    )
    story = make_story(member, community=closed)

    assert "Charge nurses" not in client.get(story.get_absolute_url()).content.decode()
    closed.privacy = Community.Privacy.SECRET  # turned secret after the story was published
    closed.save()
    client.force_login(outsider)
    assert "Charge nurses" not in client.get(story.get_absolute_url()).content.decode()
    Membership.objects.create(community=closed, member=member)
    client.force_login(member)
    assert "Charge nurses" in client.get(story.get_absolute_url()).content.decode()


def test_a_reviewed_story_is_not_reviewed_again_by_a_stray_post(client, member, coordinator):
    story = make_story(member, status=Story.Status.PUBLISHED)
    client.force_login(coordinator)

    client.post(reverse("insights:story_review", args=[story.pk]), {"decision": "decline"})
    client.post(reverse("insights:story_review", args=[story.pk]), {})

    story.refresh_from_db()
    assert story.status == Story.Status.PUBLISHED


def test_closing_an_account_removes_unpublished_stories_and_keeps_published_ones(member):
    from members.services import member_erase

    make_story(member, status=Story.Status.SUBMITTED, title="Draft")
    make_story(member, status=Story.Status.PUBLISHED, title="Told")
    member_erase(member)

    assert list(Story.objects.values_list("title", flat=True)) == ["Told"]


@pytest.mark.parametrize("year", ["²", "abc", "99999", ""])
def test_an_odd_year_in_the_address_opens_this_year(client, coordinator, year):
    client.force_login(coordinator)

    response = client.get(reverse("insights:assessment"), {"year": year})

    assert response.status_code == 200
