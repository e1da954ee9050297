import secrets

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from base.fields import SingleLineCharField
from communities.models import Community
from members.models import Region, Topic
from members.roles import is_admin, is_coordinator, own


class Visibility(models.TextChoices):
    PUBLIC = "public", "Anyone, including visitors"
    MEMBERS = "members", "Signed-in members only"


class HostedQuerySet(models.QuerySet):
    """What events and series share: who may see them and who runs them."""

    def visible_to(self, viewer):
        """Events the viewer may see: members every event, visitors the public ones; but an
        event hosted by a secret community only those who may know the community exists. A
        series the same."""
        events = self if viewer.is_authenticated else self.filter(visibility=Visibility.PUBLIC)
        # A subquery, not a join: a join on memberships would multiply the places counted.
        return events.exclude(community__in=Community.objects.secret_from(viewer).values("pk"))

    def run_by(self, viewer):
        """Events the viewer may edit, see the attendees (and their addresses) of and message:
        their own, as organiser; a coordinator's, every event but a secret community's; a secret
        community's, its moderators'. The moderator of an open or closed community runs only
        the events they organise: moderators are appointed by moderators, and a national event
        hosted by a community must not open its attendees to them. A series the same."""
        if not viewer.is_authenticated:
            return self.none()
        if is_admin(viewer):
            return self.all()
        secret = Community.objects.secret()
        runs = own("organiser_id", viewer) | Q(
            community__in=secret.filter(pk__in=Community.objects.moderated_by(viewer)).values("pk")
        )
        if is_coordinator(viewer):
            runs |= ~Q(community__in=secret.values("pk"))
        return self.visible_to(viewer).filter(runs)


class EventQuerySet(HostedQuerySet):
    def cancellable_by(self, viewer) -> "EventQuerySet":
        """Events the viewer may cancel: those they run, and those hosted by a community they
        moderate. Cancelling tells everyone registered why, without showing anyone who they
        are, so a community's moderators may call off its events whoever organised them."""
        if not viewer.is_authenticated:
            return self.none()
        return self.visible_to(viewer).filter(
            Q(pk__in=Event.objects.run_by(viewer).values("pk"))
            | Q(community__in=Community.objects.moderated_by(viewer).values("pk"))
        )


class Event(models.Model):
    class Kind(models.TextChoices):
        LEARNING_EVENT = "learning_event", "Learning event"
        MASTERCLASS = "masterclass", "Masterclass"
        WEBINAR = "webinar", "Webinar"
        COMMUNITY_MEETING = "community_meeting", "Community meeting"

    class Format(models.TextChoices):
        IN_PERSON = "in_person", "In person"
        ONLINE = "online", "Online"
        HYBRID = "hybrid", "Hybrid"

    Visibility = Visibility

    kind = models.CharField("type", max_length=32, choices=Kind.choices)
    title = SingleLineCharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    summary = models.TextField(max_length=2000, help_text="You can use Markdown.")
    programme = models.TextField(max_length=10000, blank=True, help_text="You can use Markdown.")
    starts_at = models.DateTimeField("starts")
    ends_at = models.DateTimeField("ends")
    format = models.CharField(max_length=16, choices=Format.choices)
    venue = SingleLineCharField(max_length=200, blank=True)
    address = models.TextField(max_length=500, blank=True)
    joining_link = models.URLField(
        max_length=500, blank=True, help_text="Shown only to people with a confirmed place."
    )
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="organised_events"
    )
    community = models.ForeignKey(
        "communities.Community",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        verbose_name="hosting community",
    )
    series = models.ForeignKey(
        "events.Series",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sessions",
        help_text="Only the series you run are listed.",
    )
    region = models.CharField(max_length=16, choices=Region.choices, blank=True)
    capacity = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Leave empty for unlimited places.",
    )
    registration_opens_at = models.DateTimeField("registration opens", null=True, blank=True)
    registration_closes_at = models.DateTimeField("registration closes", null=True, blank=True)
    speakers = models.TextField(max_length=2000, blank=True, help_text="One on each line.")
    tags = models.ManyToManyField(Topic, blank=True, related_name="events")
    visibility = models.CharField(
        max_length=16, choices=Visibility.choices, default=Visibility.MEMBERS
    )
    slides = models.FileField(upload_to="slides/", blank=True)
    recording_link = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # The calendars' LAST-MODIFIED (and DTSTAMP where no METHOD is given, RFC 5545 3.8.7.2).
    modified_at = models.DateTimeField(auto_now=True)
    # Raised whenever the time or place changes, so calendars replace their copy (RFC 5545).
    sequence = models.PositiveIntegerField(default=0, editable=False)
    # A cancelled event stays on the site and in calendars, marked so, and is never restored.
    cancelled_at = models.DateTimeField(null=True, blank=True, editable=False)
    cancellation_message = models.TextField(max_length=2000, blank=True, editable=False)
    # Maintained by events.services.events_index(): title and tags first, then the summary.
    search_vector = SearchVectorField(null=True, editable=False)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["starts_at"], name="event_starts"),
            GinIndex(fields=["search_vector"], name="event_search_gin"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("events:detail", args=[self.slug])

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def has_ended(self) -> bool:
        return self.ends_at <= timezone.now()

    @property
    def host(self):
        """The hosting community, when the viewer may see it named (events.services.for_viewer
        works that out); None otherwise, so a template cannot name it by mistake."""
        return self.community if getattr(self, "host_named", False) else None

    @property
    def part_of(self):
        """The series, when the viewer may see it (events.services.for_viewer works that out);
        None otherwise."""
        return self.series if getattr(self, "series_named", False) else None


class Series(models.Model):
    """A masterclass or webinar series: a page of its own, with its sessions (events, each
    with its own places and waiting list)."""

    class Kind(models.TextChoices):
        MASTERCLASS = "masterclass", "Masterclass series"
        WEBINAR = "webinar", "Webinar series"
        LEARNING_PROGRAMME = "learning_programme", "Learning programme"

    Visibility = Visibility

    kind = models.CharField("type", max_length=32, choices=Kind.choices)
    title = SingleLineCharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    summary = models.TextField(max_length=4000, help_text="You can use Markdown.")
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="organised_series"
    )
    community = models.ForeignKey(
        "communities.Community",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="series",
        verbose_name="hosting community",
    )
    visibility = models.CharField(
        max_length=16, choices=Visibility.choices, default=Visibility.MEMBERS
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = HostedQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "series"

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("events:series", args=[self.slug])

    @property
    def host(self):
        """As Event.host: the hosting community only when the viewer may see it named."""
        return self.community if getattr(self, "host_named", False) else None


def check_in_code() -> str:
    """Unguessable: whoever holds it can be checked in (by the event's team alone)."""
    return secrets.token_urlsafe(16)


class Registration(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", "Place confirmed"
        WAITING = "waiting", "On the waiting list"
        OFFERED = "offered", "Offered a place"
        CANCELLED = "cancelled", "Cancelled"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="registrations"
    )
    status = models.CharField(max_length=16, choices=Status.choices)
    created_at = models.DateTimeField(default=timezone.now)
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    attended = models.BooleanField(default=False)
    # At the door: the place's secret code (in its QR code), and when and by whom it was checked
    # in. A check-in marks the place attended as well; unmarking attendance clears it.
    check_in_code = models.CharField(max_length=64, unique=True, default=check_in_code)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # Raised each time the member gives up the place or takes it again: with the event's own
    # sequence it orders the copies of the event in the member's calendar (RFC 5546).
    sequence = models.PositiveIntegerField(default=0)
    # Each reminder and request is claimed by setting its moment before it is sent.
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    offer_sent_at = models.DateTimeField(null=True, blank=True)
    day_reminder_sent_at = models.DateTimeField(null=True, blank=True)
    hour_reminder_sent_at = models.DateTimeField(null=True, blank=True)
    feedback_requested_at = models.DateTimeField(null=True, blank=True)
    update_sent_at = models.DateTimeField(null=True, blank=True)
    place_cancelled_sent_at = models.DateTimeField(null=True, blank=True)
    event_cancelled_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "member"], name="one_registration_each"),
        ]
        indexes = [models.Index(fields=["event", "status"], name="registration_status")]

    def __str__(self):
        return f"{self.member} at {self.event}"

    @property
    def calendar_sequence(self) -> int:
        return self.event.sequence + self.sequence


class RegistrationQuestion(models.Model):
    """A question those who run the event ask each member registering (access needs, a choice
    of workshop). Answers are the attendees' own data, shown only to those who run the event."""

    class Kind(models.TextChoices):
        SHORT_TEXT = "short_text", "Short answer"
        CHOICE = "choice", "One of several choices"
        YES_NO = "yes_no", "Yes or no"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField(default=0)
    text = SingleLineCharField("question", max_length=200)
    kind = models.CharField("type of answer", max_length=16, choices=Kind.choices)
    choices = models.TextField(
        max_length=2000, blank=True, help_text="For a choice: one on each line."
    )
    required = models.BooleanField("members must answer", default=False)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.text

    @property
    def choice_list(self) -> list[str]:
        if self.kind == self.Kind.YES_NO:
            return ["Yes", "No"]
        if self.kind == self.Kind.CHOICE:
            return [line.strip() for line in self.choices.splitlines() if line.strip()]
        return []


class RegistrationAnswer(models.Model):
    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(
        RegistrationQuestion, on_delete=models.CASCADE, related_name="answers"
    )
    # Kept as the member gave it: a choice renamed later does not rewrite what they chose.
    answer = SingleLineCharField(max_length=500)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "question"], name="one_answer_per_question"
            ),
        ]

    def __str__(self):
        return f"Answer to {self.question}"


class Feedback(models.Model):
    registration = models.OneToOneField(
        Registration, on_delete=models.CASCADE, related_name="feedback"
    )
    rating = models.PositiveSmallIntegerField(choices=[(n, str(n)) for n in range(1, 6)])
    useful = models.TextField("what was most useful", max_length=2000, blank=True)
    change = models.TextField("what you will do differently", max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Feedback on {self.registration.event}"


def calendar_token() -> str:
    return secrets.token_urlsafe(24)


class CalendarFeed(models.Model):
    """A member's secret address for all their events, for their own calendar application."""

    member = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=calendar_token)

    def __str__(self):
        return f"Calendar of {self.member}"
