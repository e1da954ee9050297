from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.text import slugify

from events.models import Event
from events.services import event_index
from tests.factories import ProfileFactory


def make_event(
    organiser, title="Run charts in an hour", capacity=None, starts_in=timedelta(days=7), **fields
):
    starts = timezone.now() + starts_in
    fields.setdefault("format", Event.Format.ONLINE)
    fields.setdefault("joining_link", "https://meet.example.org/secret-room")
    event = Event.objects.create(
        title=title,
        slug=fields.pop("slug", slugify(title)),
        kind=fields.pop("kind", "webinar"),
        summary=fields.pop("summary", "Practical examples, with time for questions."),
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        organiser=organiser,
        capacity=capacity,
        visibility=fields.pop("visibility", Event.Visibility.PUBLIC),
        **fields,
    )
    event_index(event)
    return event


@pytest.fixture
def attendee(db):
    return ProfileFactory(member__name="Ada Attendee", slug="ada-attendee").member


@pytest.fixture
def webinar(coordinator):
    return make_event(coordinator)


@pytest.fixture
def masterclass(coordinator):
    return make_event(coordinator, "Frailty masterclass", capacity=1, kind="masterclass")
