"""A bulletin to chosen members: who receives it, what the curator is told before it goes, and
who may read it afterwards."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bulletins import services
from bulletins.audiences import audience_in_words, audience_members, community_choices, fingerprint
from bulletins.models import Bulletin
from communities.models import Community, Membership
from members.models import Organisation, Profile, Region, Sector
from members.services import profile_for
from tests.bulletins.conftest import add_section, copies, make_bulletin, send_all, subscribe
from tests.factories import MemberFactory, OrganisationFactory, ProfileFactory, TopicFactory
from tests.workers import wait_until, worker_for
from tooling.smtp_sink import SmtpSink
from tooling.worker_process import stop_worker

pytestmark = pytest.mark.django_db


def reader(
    name, *, region=Region.EAST, sector=Sector.NHS, kind=None, interests=(), subscribed=True
):
    organisation = OrganisationFactory(
        name=f"{name} organisation", kind=kind or Organisation.Kind.PARTNERSHIP
    )
    profile = ProfileFactory(
        member__name=name, region=region, sector=sector, organisation=organisation
    )
    profile.interests.set(interests)
    if subscribed:
        subscribe(profile.member)
    return profile.member


def names(bulletin) -> set[str]:
    return set(audience_members(bulletin=bulletin).values_list("name", flat=True))


@pytest.fixture
def bulletin(curator):
    bulletin = make_bulletin(author=curator)
    add_section(bulletin, text="Three new tools.")
    return bulletin


@pytest.fixture
def quiet():
    """A secret community; its moderator is the only member so far."""
    community = Community.objects.create(
        name="Quiet Leaders", slug="quiet-leaders", purpose="Peer support.", privacy="secret"
    )
    moderator = reader("Mhairi Moderator")
    Membership.objects.create(community=community, member=moderator, role="moderator")
    return community


# --- who receives it ------------------------------------------------------------------------


def test_nothing_chosen_is_every_subscribed_member(bulletin):
    reader("Ailsa North", region=Region.NORTH)
    reader("Ewan East")
    reader("Una Unsubscribed", subscribed=False)

    assert names(bulletin) == {"Ailsa North", "Ewan East"}
    assert audience_in_words(bulletin) == "every subscribed member"
    assert Bulletin.objects.to_everyone().filter(pk=bulletin.pk).exists()


def test_regions_alone_reach_members_in_any_of_them(bulletin):
    reader("Ailsa North", region=Region.NORTH)
    reader("Wendy West", region=Region.WEST)
    reader("Ewan East", region=Region.EAST)
    reader("Nell North", region=Region.NORTH, subscribed=False)
    bulletin.audience_regions = [Region.NORTH, Region.WEST]
    bulletin.save()

    assert names(bulletin) == {"Ailsa North", "Wendy West"}
    assert audience_in_words(bulletin) == "members in the North or West region"
    assert not Bulletin.objects.to_everyone().filter(pk=bulletin.pk).exists()


def test_types_of_organisation_alone(bulletin):
    reader("Heather Board", kind=Organisation.Kind.HEALTH_BOARD)
    reader("Colin Council", kind=Organisation.Kind.COUNCIL)
    reader("Tam Charity", kind=Organisation.Kind.THIRD_SECTOR)
    bulletin.audience_organisation_kinds = [
        Organisation.Kind.HEALTH_BOARD,
        Organisation.Kind.COUNCIL,
    ]
    bulletin.save()

    assert names(bulletin) == {"Heather Board", "Colin Council"}
    assert "whose type of organisation is Health board or Council" in audience_in_words(bulletin)


def test_sectors_alone(bulletin):
    reader("Tam Charity", sector=Sector.THIRD_SECTOR)
    reader("Nina NHS", sector=Sector.NHS)
    bulletin.audience_sectors = [Sector.THIRD_SECTOR]
    bulletin.save()

    assert names(bulletin) == {"Tam Charity"}
    assert audience_in_words(bulletin) == "members who work in Third sector"


def test_communities_alone(bulletin):
    falls = Community.objects.create(name="Falls", slug="falls", purpose="p")
    flow = Community.objects.create(name="Flow", slug="flow", purpose="p", privacy="closed")
    Membership.objects.create(community=falls, member=reader("Fiona Falls"))
    Membership.objects.create(community=flow, member=reader("Fergus Flow"))
    Membership.objects.create(community=flow, member=reader("Fay Flow", subscribed=False))
    reader("Nobody Joined")
    bulletin.audience_communities.set([falls, flow])

    assert names(bulletin) == {"Fiona Falls", "Fergus Flow"}
    assert audience_in_words(bulletin) == "members who belong to Falls or Flow"


def test_interests_alone(bulletin):
    dementia, flow = TopicFactory(name="Dementia"), TopicFactory(name="Patient flow")
    reader("Dora Dementia", interests=[dementia])
    reader("Both Interests", interests=[dementia, flow])
    reader("No Interests")
    bulletin.audience_interests.set([dementia])

    assert names(bulletin) == {"Dora Dementia", "Both Interests"}
    assert audience_in_words(bulletin) == "members who are interested in Dementia"


def test_kinds_combined_must_all_match(bulletin):
    dementia = TopicFactory(name="Dementia")
    falls = Community.objects.create(name="Falls", slug="falls", purpose="p")
    everything = reader(
        "All Four", region=Region.NORTH, sector=Sector.THIRD_SECTOR, interests=[dementia]
    )
    Membership.objects.create(community=falls, member=everything)
    wrong_region = reader(
        "West Only", region=Region.WEST, sector=Sector.THIRD_SECTOR, interests=[dementia]
    )
    Membership.objects.create(community=falls, member=wrong_region)
    reader("Not In Falls", region=Region.NORTH, sector=Sector.THIRD_SECTOR, interests=[dementia])
    other = reader("No Interest", region=Region.NORTH, sector=Sector.THIRD_SECTOR)
    Membership.objects.create(community=falls, member=other)
    bulletin.audience_regions = [Region.NORTH, Region.EAST]
    bulletin.audience_sectors = [Sector.THIRD_SECTOR]
    bulletin.save()
    bulletin.audience_communities.set([falls])
    bulletin.audience_interests.set([dementia])

    assert names(bulletin) == {"All Four"}
    assert audience_in_words(bulletin) == (
        "members in the North or East region, who work in Third sector, who belong to Falls "
        "and who are interested in Dementia"
    )


def test_sending_delivers_to_the_audience_only(client, curator, bulletin, smtp_sink):
    north = reader("Ailsa North", region=Region.NORTH)
    reader("Ewan East")
    bulletin.audience_regions = [Region.NORTH]
    bulletin.save()

    services.bulletin_send(bulletin=bulletin)
    send_all(bulletin)

    assert smtp_sink.recipients() == [north.email]
    assert list(copies(bulletin).values_list("recipient_id", flat=True)) == [north.pk]


# --- composing: the chooser and the count ---------------------------------------------------


def test_the_compose_page_counts_the_audience_and_saves_it(client, curator, bulletin):
    for number in range(3):
        reader(f"North Reader {number}", region=Region.NORTH)
    reader("Ewan East")
    client.force_login(curator)

    before = client.get(bulletin.get_absolute_url()).content.decode()
    saved = client.post(
        reverse("bulletins:audience", args=[bulletin.slug]),
        {"audience_regions": [Region.NORTH]},
        follow=True,
    )

    assert "This bulletin will go to <strong>4 members</strong>: every subscribed member" in before
    assert "members must match each of them" in before  # the rule, in plain words
    page = saved.content.decode()
    assert (
        "This bulletin will go to <strong>3 members</strong>: members in the North region" in page
    )
    bulletin.refresh_from_db()
    assert bulletin.audience_regions == [Region.NORTH]


def test_a_choice_that_is_not_offered_is_refused_next_to_the_field(client, curator, bulletin):
    client.force_login(curator)

    response = client.post(
        reverse("bulletins:audience", args=[bulletin.slug]), {"audience_regions": ["atlantis"]}
    )

    assert response.status_code == 400
    assert 'id="id_audience_regions_error"' in response.content.decode()
    bulletin.refresh_from_db()
    assert bulletin.audience_regions == []


def test_the_chooser_offers_a_secret_community_only_to_its_own_members(
    client, curator, bulletin, quiet
):
    closed = Community.objects.create(
        name="Ward Managers", slug="ward", purpose="p", privacy="closed"
    )
    client.force_login(curator)
    url = reverse("bulletins:audience", args=[bulletin.slug])

    offered = client.get(bulletin.get_absolute_url()).content.decode()
    tampered = client.post(url, {"audience_communities": [quiet.pk]})
    Membership.objects.create(community=quiet, member=curator)
    offered_to_a_member = client.get(bulletin.get_absolute_url()).content.decode()

    assert "Ward Managers" in offered and "Quiet Leaders" not in offered
    assert tampered.status_code == 400 and "Select a valid choice" in tampered.content.decode()
    assert not bulletin.audience_communities.exists()
    assert "Quiet Leaders (secret)" in offered_to_a_member
    assert set(community_choices(curator=curator)) == {closed, quiet}


def test_an_admin_curator_is_not_offered_secret_communities_they_are_not_in(admin_member, quiet):
    assert quiet not in community_choices(curator=admin_member)


# --- sending: the confirmation ----------------------------------------------------------------


def test_send_asks_first_on_a_page_that_names_the_audience_and_the_count(client, curator, bulletin):
    north = [reader(f"North Reader {number}", region=Region.NORTH) for number in range(2)]
    reader("Ewan East")
    bulletin.audience_regions = [Region.NORTH]
    bulletin.save()
    client.force_login(curator)

    asked = client.post(reverse("bulletins:send", args=[bulletin.slug]), {"when": "now"})
    question = client.get(asked["Location"])

    assert asked.status_code == 302 and "/send/confirm/?when=now" in asked["Location"]
    page = question.content.decode()
    assert "Send to 2 members?" in page and "This cannot be undone" in page
    assert "members in the North region" in page
    assert "Yes, send it" in page and "Go back" in page
    assert not copies().exists()
    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.DRAFT

    client.post(
        reverse("bulletins:send", args=[bulletin.slug]),
        {"when": "now", "confirmed": "yes", "audience": fingerprint(bulletin)},
    )

    assert set(copies(bulletin).values_list("recipient_id", flat=True)) == {
        person.pk for person in north
    }


def test_the_count_has_a_thousands_separator(client, curator, bulletin):
    members = MemberFactory.create_batch(1001)
    for person in members:
        profile_for(person)
    Profile.objects.filter(member__in=members).update(receives_bulletin=True)
    client.force_login(curator)

    page = client.get(reverse("bulletins:confirm", args=[bulletin.slug]), {"when": "now"})

    assert "Send to 1,001 members?" in page.content.decode()


def test_get_on_send_and_on_the_question_sends_nothing(client, curator, bulletin):
    reader("Ewan East")
    client.force_login(curator)

    send = client.get(reverse("bulletins:send", args=[bulletin.slug]), {"when": "now"})
    question = client.get(
        reverse("bulletins:confirm", args=[bulletin.slug]), {"when": "now", "confirmed": "yes"}
    )

    assert send.status_code == 405
    assert question.status_code == 200
    assert not copies().exists()
    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.DRAFT and bulletin.frozen is None


def test_nobody_in_the_audience_is_said_and_sending_is_not_offered(client, curator, bulletin):
    reader("Ewan East")
    bulletin.audience_regions = [Region.WEST]
    bulletin.save()
    client.force_login(curator)

    page = client.get(reverse("bulletins:confirm", args=[bulletin.slug]), {"when": "now"})
    forced = client.post(
        reverse("bulletins:send", args=[bulletin.slug]),
        {"when": "now", "confirmed": "yes", "audience": fingerprint(bulletin)},
        follow=True,
    )

    assert "Nobody would receive it" in page.content.decode()
    assert "Yes, send it" not in page.content.decode()
    assert "Nobody would receive it" in forced.content.decode()
    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.DRAFT


def test_scheduling_asks_first_too(client, curator, bulletin):
    reader("Ewan East")
    client.force_login(curator)
    answers = {"when": "later", "send_at": "2030-01-07T09:00"}

    asked = client.post(reverse("bulletins:send", args=[bulletin.slug]), answers, follow=True)
    bulletin.refresh_from_db()
    status_after_asking = bulletin.status
    client.post(
        reverse("bulletins:send", args=[bulletin.slug]),
        {**answers, "confirmed": "yes", "audience": fingerprint(bulletin)},
    )
    bulletin.refresh_from_db()

    assert "Send to 1 member on Monday 7 January 2030 at 09:00?" in asked.content.decode()
    assert "Yes, schedule it" in asked.content.decode()
    assert status_after_asking == Bulletin.Status.DRAFT
    assert bulletin.status == Bulletin.Status.SCHEDULED


# --- the archive ------------------------------------------------------------------------------


@pytest.fixture
def sent(curator, bulletin):
    """Two bulletins sent: one to everyone, one to members in the North region."""
    north = reader("Ailsa North", region=Region.NORTH)
    east = reader("Ewan East")
    services.bulletin_send(bulletin=bulletin)
    segment = make_bulletin("North news", author=curator)
    add_section(segment, text="For the North.")
    segment.audience_regions = [Region.NORTH]
    segment.save()
    services.bulletin_send(bulletin=segment)
    return {"everyone": bulletin, "segment": segment, "north": north, "east": east}


def test_visitors_see_only_bulletins_sent_to_everyone(client, sent):
    archive = client.get("/bulletins/").content.decode()
    home = client.get("/").content.decode()

    assert sent["everyone"].title in archive and "North news" not in archive
    assert client.get(sent["segment"].get_absolute_url()).status_code == 404
    assert "North news" not in home


def test_a_recipient_sees_the_bulletin_they_were_sent(client, sent):
    client.force_login(sent["north"])

    archive = client.get("/bulletins/").content.decode()
    detail = client.get(sent["segment"].get_absolute_url())

    assert "North news" in archive and sent["everyone"].title in archive
    assert detail.status_code == 200 and "For the North." in detail.content.decode()
    assert "North news" in client.get("/").content.decode()  # the latest bulletin they can read


def test_a_member_who_was_not_sent_it_gets_not_found(client, sent):
    client.force_login(sent["east"])

    assert "North news" not in client.get("/bulletins/").content.decode()
    assert client.get(sent["segment"].get_absolute_url()).status_code == 404
    found = client.get("/search/", {"q": "North news"}).content.decode()
    assert sent["segment"].get_absolute_url() not in found


def test_curators_see_every_bulletin(client, curator, sent):
    client.force_login(curator)

    assert "North news" in client.get("/bulletins/").content.decode()
    assert client.get(sent["segment"].get_absolute_url()).status_code == 200


def test_a_secret_communitys_bulletin_is_for_its_recipients_and_curators_inside_it(
    client, curator, quiet
):
    other_curator = MemberFactory(name="Colm Curator")
    other_curator.groups.set(curator.groups.all())
    Membership.objects.create(community=quiet, member=curator)
    insider = Membership.objects.get(community=quiet, role="moderator").member
    bulletin = make_bulletin("Quiet news", author=curator)
    add_section(bulletin, text="Only for us.")
    bulletin.audience_communities.set([quiet])
    services.bulletin_send(bulletin=bulletin)

    assert set(Bulletin.objects.visible_to(insider)) == {bulletin}
    assert set(Bulletin.objects.visible_to(curator)) == {bulletin}
    assert not Bulletin.objects.visible_to(other_curator).exists()
    assert client.get(bulletin.get_absolute_url()).status_code == 404
    assert "Quiet news" not in client.get("/bulletins/").content.decode()


def test_the_archive_asks_the_same_queries_for_few_or_many(
    client, curator, django_assert_num_queries
):
    north = reader("Ailsa North", region=Region.NORTH)

    def send(title, regions):
        bulletin = make_bulletin(title, author=curator, audience_regions=regions)
        add_section(bulletin, text="News.")
        services.bulletin_send(bulletin=bulletin)

    send("Everyone 0", [])
    send("North 0", [Region.NORTH])
    client.force_login(north)
    client.get("/bulletins/")
    with CaptureQueriesContext(connection) as few:
        assert "North 0" in client.get("/bulletins/").content.decode()
    for number in range(1, 8):
        send(f"Everyone {number}", [])
        send(f"North {number}", [Region.NORTH])
        send(f"West {number}", [Region.WEST])
    with django_assert_num_queries(len(few)):
        page = client.get("/bulletins/").content.decode()

    assert "North 7" in page and "West 7" not in page


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_workers_send_it_to_the_audience_only(curator):
    bulletin = make_bulletin(author=curator)
    add_section(bulletin, text="For the North.")
    north = [reader(f"North Reader {number}", region=Region.NORTH) for number in range(3)]
    reader("Ewan East")
    bulletin.audience_regions = [Region.NORTH]
    bulletin.save()
    with SmtpSink() as sink:
        worker = worker_for(sink)
        try:
            services.bulletin_send(bulletin=bulletin)
            assert wait_until(
                lambda: Bulletin.objects.get(pk=bulletin.pk).status == Bulletin.Status.SENT
            )
        finally:
            stop_worker(worker)
        received = sorted(sink.mailbox.recipients())

    assert received == sorted(person.email for person in north)
