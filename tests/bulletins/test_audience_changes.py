"""Who a bulletin goes to is the audience the curator confirmed, and who may read it afterwards
is who it went to: whatever happens since to its communities and topics, to a send in another
tab, or to the curator's own memberships."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from bulletins import delivery, services, views
from bulletins.audiences import fingerprint
from bulletins.models import Bulletin
from communities.models import Community, Membership
from members.models import Notification, Region
from tests.bulletins.conftest import add_section, copies, make_bulletin, subscribe
from tests.bulletins.test_audiences import reader
from tests.factories import TopicFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def bulletin(curator):
    bulletin = make_bulletin("Circle plans", author=curator)
    add_section(bulletin, text="Only for the circle.")
    return bulletin


def ask_and_confirm(client, bulletin, answers, *, change=None):
    """The curator is asked (the confirmation page), then, after `change` (another tab, the
    admin site), says yes."""
    asked = client.get(reverse("bulletins:confirm", args=[bulletin.slug]), answers)
    confirmed = asked.content.decode().split('name="audience" value="')[1].split('"')[0]
    if change:
        change()
    return client.post(
        reverse("bulletins:send", args=[bulletin.slug]),
        {**answers, "confirmed": "yes", "audience": confirmed},
        follow=True,
    )


# --- who may read it: as it was sent ----------------------------------------------------------


def test_deleting_its_community_never_makes_a_bulletin_for_chosen_members_public(client, bulletin):
    circle = Community.objects.create(name="Circle", slug="circle", purpose="p", privacy="closed")
    Membership.objects.create(community=circle, member=reader("Ina Inside"))
    reader("Otto Outside")
    bulletin.audience_communities.set([circle])
    services.bulletin_send(bulletin=bulletin)

    circle.delete()

    assert client.get(bulletin.get_absolute_url()).status_code == 404
    assert "Circle plans" not in client.get("/bulletins/").content.decode()
    assert "Circle plans" not in client.get("/feeds/bulletins/").content.decode()
    assert "Circle plans" not in client.get("/").content.decode()


def test_a_bulletin_sent_to_everyone_stays_in_the_public_archive(client, bulletin):
    reader("Ewan Everyone")
    services.bulletin_send(bulletin=bulletin)

    assert client.get(bulletin.get_absolute_url()).status_code == 200
    assert "Circle plans" in client.get("/bulletins/").content.decode()


def test_a_curator_keeps_a_secret_communitys_bulletin_they_were_sent_after_leaving(
    client, curator, bulletin
):
    quiet = Community.objects.create(name="Quiet", slug="quiet", purpose="p", privacy="secret")
    subscribe(curator)
    Membership.objects.create(community=quiet, member=curator)
    bulletin.audience_communities.set([quiet])
    services.bulletin_send(bulletin=bulletin)

    Membership.objects.filter(community=quiet, member=curator).delete()
    client.force_login(curator)

    assert client.get(bulletin.get_absolute_url()).status_code == 200
    assert "Circle plans" in client.get("/bulletins/").content.decode()


# --- what is sent: the audience confirmed ------------------------------------------------------


def test_the_send_goes_only_to_the_audience_the_curator_was_asked_about(client, curator, bulletin):
    for number in range(3):
        reader(f"North {number}", region=Region.NORTH)
    for number in range(5):
        reader(f"East {number}", region=Region.EAST)
    bulletin.audience_regions = [Region.NORTH]
    bulletin.save()
    client.force_login(curator)

    answer = ask_and_confirm(
        client,
        bulletin,
        {"when": "now"},
        change=lambda: Bulletin.objects.filter(pk=bulletin.pk).update(audience_regions=[]),
    )

    assert not copies(bulletin).exists()
    page = answer.content.decode()
    assert "Who it goes to changed since you were asked: check it again." in page
    assert "Send to 8 members?" in page  # asked again, with who it goes to now
    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.DRAFT


def test_the_audience_asked_about_is_sent_to(client, curator, bulletin):
    north = [reader(f"North {number}", region=Region.NORTH) for number in range(3)]
    reader("Ewan East")
    bulletin.audience_regions = [Region.NORTH]
    bulletin.save()
    client.force_login(curator)

    ask_and_confirm(client, bulletin, {"when": "now"})

    assert set(copies(bulletin).values_list("recipient_id", flat=True)) == {p.pk for p in north}


def test_a_bulletin_cannot_be_scheduled_for_an_audience_changed_since_asked(
    client, curator, bulletin
):
    reader("Nora North", region=Region.NORTH)
    client.force_login(curator)

    ask_and_confirm(
        client,
        bulletin,
        {"when": "later", "send_at": "2030-01-07T09:00"},
        change=lambda: bulletin.audience_regions.append(Region.NORTH) or bulletin.save(),
    )

    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.DRAFT


def test_a_scheduled_bulletins_audience_cannot_change_until_it_is_unscheduled(
    client, curator, bulletin
):
    reader("Nora North", region=Region.NORTH)
    reader("Ewan East", region=Region.EAST)
    bulletin.audience_regions = [Region.NORTH]
    bulletin.save()
    client.force_login(curator)
    ask_and_confirm(client, bulletin, {"when": "later", "send_at": "2030-01-07T09:00"})
    audience_url = reverse("bulletins:audience", args=[bulletin.slug])

    page = client.get(bulletin.get_absolute_url()).content.decode()
    emptied = client.post(audience_url, {}, follow=True)  # the tick that clears it: everyone
    bulletin.refresh_from_db()

    assert "Unschedule it to change who it goes to." in page
    assert "Save the audience and count again" not in page
    assert "Unschedule it to change who it goes to." in emptied.content.decode()
    assert bulletin.status == Bulletin.Status.SCHEDULED
    assert bulletin.audience_regions == [Region.NORTH]


def test_a_scheduled_bulletin_whose_topic_was_deleted_is_not_sent_and_its_curator_is_told(
    client, curator, bulletin
):
    frailty = TopicFactory(name="Frailty")
    reader("Fiona Frail", interests=[frailty])
    reader("Ewan Everyone")
    bulletin.audience_interests.set([frailty])
    client.force_login(curator)
    ask_and_confirm(client, bulletin, {"when": "later", "send_at": "2030-01-07T09:00"})
    Bulletin.objects.filter(pk=bulletin.pk).update(
        scheduled_for=timezone.now() - timedelta(minutes=1)
    )

    frailty.delete()
    delivery.sweep()

    assert not copies(bulletin).exists()
    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.DRAFT
    told = Notification.objects.get(recipient=curator, kind="bulletin_not_sent")
    assert "who it goes to changed since it was scheduled" in told.message


def test_a_scheduled_bulletin_goes_at_its_time_to_the_audience_confirmed(client, curator, bulletin):
    frailty = TopicFactory(name="Frailty")
    fiona = reader("Fiona Frail", interests=[frailty])
    reader("Ewan Everyone")
    bulletin.audience_interests.set([frailty])
    client.force_login(curator)
    ask_and_confirm(client, bulletin, {"when": "later", "send_at": "2030-01-07T09:00"})
    Bulletin.objects.filter(pk=bulletin.pk).update(
        scheduled_for=timezone.now() - timedelta(minutes=1)
    )

    delivery.sweep()

    assert list(copies(bulletin).values_list("recipient_id", flat=True)) == [fiona.pk]


# --- changes while it is being sent -----------------------------------------------------------


@pytest.fixture
def sent_meanwhile(monkeypatch):
    """Another request (a second tab, the scheduled sweep) starts sending the bulletin just
    after this request has read it, before it changes it."""
    read = views._curated_bulletin

    def read_then_sent_elsewhere(request, slug):
        bulletin = read(request, slug)
        delivery.start(bulletin=Bulletin.objects.get(pk=bulletin.pk))
        return bulletin

    monkeypatch.setattr(views, "_curated_bulletin", read_then_sent_elsewhere)


def test_saving_the_audience_while_it_goes_neither_reverts_it_to_draft_nor_sends_it_twice(
    client, curator, bulletin, sent_meanwhile, monkeypatch
):
    reader("Nora North", region=Region.NORTH)
    reader("Ewan East", region=Region.EAST)
    client.force_login(curator)

    answer = client.post(
        reverse("bulletins:audience", args=[bulletin.slug]),
        {"audience_regions": [Region.NORTH]},
        follow=True,
    )
    monkeypatch.undo()
    client.post(
        reverse("bulletins:send", args=[bulletin.slug]),
        {"when": "now", "confirmed": "yes", "audience": fingerprint(bulletin)},
    )

    assert "it can no longer change" in answer.content.decode()
    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.SENDING and bulletin.frozen is not None
    assert bulletin.audience_regions == []
    assert copies(bulletin).count() == 2


def test_changing_the_title_while_it_goes_leaves_it_sent(client, curator, bulletin, sent_meanwhile):
    reader("Nora North")
    client.force_login(curator)

    client.post(reverse("bulletins:edit", args=[bulletin.slug]), {"title": "Changed"})

    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.SENDING and bulletin.frozen is not None
    assert bulletin.title == "Circle plans"


def test_adding_a_section_while_it_goes_is_refused(client, curator, bulletin, sent_meanwhile):
    reader("Nora North")
    client.force_login(curator)

    answer = client.post(
        reverse("bulletins:section_create", args=[bulletin.slug]),
        {"heading": "Late news", "text": "Too late.", "position": 2},
        follow=True,
    )

    assert "it can no longer change" in answer.content.decode()
    assert not bulletin.sections.filter(heading="Late news").exists()
    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.SENDING


# --- the chooser ------------------------------------------------------------------------------


def test_an_admins_audience_save_keeps_a_secret_community_chosen_by_its_member(
    client, admin_member, curator, bulletin
):
    quiet = Community.objects.create(name="Quiet", slug="quiet", purpose="p", privacy="secret")
    Membership.objects.create(community=quiet, member=curator)
    bulletin.audience_communities.set([quiet])
    client.force_login(admin_member)

    page = client.get(bulletin.get_absolute_url()).content.decode()
    # The admin ticks a region: the form posts every box ticked, the community's among them.
    client.post(
        reverse("bulletins:audience", args=[bulletin.slug]),
        {"audience_regions": ["north"], "audience_communities": [quiet.pk]},
    )

    assert "Quiet (secret)" in page
    assert f'value="{quiet.pk}"' in page and "checked" in page.split("Quiet (secret)")[0][-400:]
    assert list(bulletin.audience_communities.all()) == [quiet]


def test_a_ticks_bad_choice_is_answered_with_the_message_next_to_the_field(
    client, curator, bulletin
):
    client.force_login(curator)

    answer = client.post(
        reverse("bulletins:audience", args=[bulletin.slug]),
        {"audience_regions": ["atlantis"]},
        headers={"HX-Request": "true"},
    )

    # htmx swaps only a 2xx answer into the page.
    assert answer.status_code == 200
    fragment = answer.content.decode().split('<div id="audience">')[1]
    assert 'id="id_audience_regions_error"' in fragment
    bulletin.refresh_from_db()
    assert bulletin.audience_regions == []
