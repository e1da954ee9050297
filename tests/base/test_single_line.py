"""Titles, names and places are one line, however they are sent: a line break in one breaks the
e-mails that carry it (Django refuses a subject with one) and splits rows of a CSV."""

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.db import connection, models
from django.urls import reverse

from base.fields import collapse_stored_line_breaks
from communities.models import Community
from insights.models import Story
from members.forms import ProfileForm
from members.models import Notification, Organisation
from members.roles import COORDINATORS
from tests.factories import ProfileFactory
from tests.insights.test_stories import make_story, story_form
from tests.mail import send_queued

pytestmark = pytest.mark.django_db

# Text the site writes itself, never a member: secrets, codes, addresses and error reports.
WRITTEN_BY_THE_SITE = {
    ("members.User", "password"),
    ("members.Profile", "bulletin_token"),
    ("bulletins.Bulletin", "confirmed_audience"),
    ("members.MemberSession", "session_key"),
    ("members.Notification", "kind"),
    ("members.Notification", "url"),
    ("members.Notification", "role"),
    ("communities.Invitation", "token"),
    ("events.CalendarFeed", "token"),
    ("events.Registration", "check_in_code"),
    ("insights.Target", "value"),
    ("search.SearchWord", "word"),
    ("base.AuditEntry", "detail"),
    ("base.AuditEntry", "action"),
    ("base.Email", "kind"),
    ("base.Email", "error"),
}
OUR_APPS = {
    "base",
    "bulletins",
    "communities",
    "events",
    "insights",
    "members",
    "mentoring",
    "network",
    "projects",
    "resources",
    "search",
}


def test_every_text_field_a_member_fills_in_on_one_line_is_single_line():
    """A new title or name field must be a SingleLineCharField too (or be listed above)."""
    free_text = [
        (model._meta.label, field.name)
        for model in apps.get_models()
        # A proxy of another app's model (organisation sign-ins are allauth's apps) is filled in
        # by admins through that app's fields; a proxy of our own is checked as its model.
        if model._meta.app_label in OUR_APPS and not model._meta.proxy
        for field in model._meta.get_fields()
        if type(field) is models.CharField and not field.choices
    ]

    assert set(free_text) == WRITTEN_BY_THE_SITE


def test_a_story_title_posted_with_a_line_break_reaches_coordinators_by_email(
    client, member, mailoutbox, django_capture_on_commit_callbacks
):
    coordinator = ProfileFactory(member__name="Chris Coordinator").member
    coordinator.groups.add(Group.objects.get_or_create(name=COORDINATORS)[0])
    client.force_login(member)

    with django_capture_on_commit_callbacks(execute=False):
        client.post(
            reverse("insights:story_create"),
            story_form(title="Fewer falls\r\nBcc: everyone@example.org", place="Ward 12\nFife"),
        )

    story = Story.objects.get()
    assert (story.title, story.place) == ("Fewer falls Bcc: everyone@example.org", "Ward 12 Fife")
    told = Notification.objects.get(recipient=coordinator)
    assert str(send_queued(about_id=told.pk)) == "1 sent"
    assert mailoutbox[0].subject.endswith(
        "shared a story of change: Fewer falls Bcc: everyone@example.org"
    )
    assert mailoutbox[0].bcc == []


def test_a_title_saved_without_a_form_is_one_line_too(member):
    story = make_story(member, title="Ward\u2028huddles\x0bthat   work\n")
    story.place = "Ward 12\r\n"
    story.save()

    story.refresh_from_db()
    assert (story.title, story.place) == ("Ward huddles that   work", "Ward 12")


def test_a_one_line_box_of_a_plain_form_drops_line_breaks_and_a_text_area_keeps_them(member):
    profile = ProfileFactory(member=member)
    form = ProfileForm(
        data={
            "name": "Morag\r\nCampbell",
            "job_title": "Falls\nlead",
            "bio": "First paragraph.\n\nSecond paragraph.",
            "sector": profile.sector,
            "region": profile.region,
        },
        instance=profile,
    )

    assert form.is_valid(), form.errors
    assert form.cleaned_data["name"] == "Morag Campbell"
    assert form.cleaned_data["job_title"] == "Falls lead"
    assert form.cleaned_data["bio"] == "First paragraph.\n\nSecond paragraph."


def test_the_migration_mends_titles_and_names_saved_before(member):
    Community.objects.create(name="Frailty leads", slug="frailty-leads", purpose="Frailty.")
    twin = Community.objects.create(name="Frailty twin", slug="frailty-twin", purpose="Twin.")
    nhs = Organisation.objects.create(name="NHS", slug="nhs", kind="health_board", region="east")
    # As saved before the fields were single-line.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE members_organisation SET name = %s WHERE id = %s", ["NHS\r\nFife", nhs.pk]
        )
        cursor.execute(
            "UPDATE communities_community SET name = %s WHERE id = %s",
            ["Frailty\u2028leads", twin.pk],
        )

    collapse_stored_line_breaks("members", "organisation", "name", "health_board_area")(apps, None)
    collapse_stored_line_breaks("communities", "community", "name")(apps, None)

    assert Organisation.objects.get(pk=nhs.pk).name == "NHS Fife"
    assert Community.objects.get(pk=twin.pk).name == f"Frailty leads ({twin.pk})", (
        "a name already taken gets its number rather than stopping the migration"
    )
