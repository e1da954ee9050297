from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from base.fields import SingleLineCharField
from members.models import Topic
from members.roles import is_coordinator, own


class Format(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    ONLINE = "online", "Online"
    EITHER = "either", "Either"


class MentorOffer(models.Model):
    """A member's offer to mentor: what in, how, and how many mentees at once."""

    mentor = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentor_offer"
    )
    areas = models.ManyToManyField(Topic, related_name="mentor_offers")
    offer = models.TextField("what I can offer", max_length=2000)
    capacity = models.PositiveSmallIntegerField(
        "mentees at once", default=1, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    format = models.CharField(max_length=16, choices=Format.choices, default=Format.EITHER)
    availability = SingleLineCharField(max_length=300, blank=True)
    paused = models.BooleanField("not taking new mentees for now", default=False)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Mentoring offer of {self.mentor}"


class MentoringRequestQuerySet(models.QuerySet):
    def visible_to(self, viewer) -> "MentoringRequestQuerySet":
        """A mentee's request is for them and for the mentors it has reached so far (not those
        still waiting their turn); nobody else knows of it, coordinators and admins included,
        but for the requests a mentee left to a cohort (awaiting_a_cohort)."""
        if not viewer.is_authenticated:
            return self.none()
        reached = Approach.objects.filter(own("mentor_id", viewer)).exclude(
            status=Approach.Status.QUEUED
        )
        return self.filter(own("mentee_id", viewer) | models.Q(pk__in=reached.values("request_id")))

    def awaiting_a_cohort(self, viewer) -> "MentoringRequestQuerySet":
        """Requests that asked no mentor wait for a coordinator to match them in a cohort: the
        coordinators see who is waiting (the mentee asked for exactly that); nobody else."""
        if not is_coordinator(viewer):
            return self.none()
        return self.filter(status=MentoringRequest.Status.OPEN, approaches__isnull=True)


class MentoringRequest(models.Model):
    """A mentee's request for a mentor: their goals and preferences, sent to up to three mentors
    in order (each approach waits for an answer before the next is sent)."""

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for a mentor"
        MATCHED = "matched", "Matched"
        WITHDRAWN = "withdrawn", "Withdrawn"
        UNMATCHED = "unmatched", "No mentor accepted"

    mentee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentoring_requests"
    )
    goals = models.TextField("what you want to achieve", max_length=2000)
    areas = models.ManyToManyField(Topic, related_name="mentoring_requests")
    prefer_other_organisation = models.BooleanField(
        "someone from a different organisation", default=True
    )
    prefer_other_sector = models.BooleanField("someone from a different sector", default=False)
    prefer_same_region = models.BooleanField("someone in my region", default=False)
    format = models.CharField(max_length=16, choices=Format.choices, default=Format.EITHER)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)

    objects = MentoringRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One request waiting at a time, even when the button is pressed twice.
            models.UniqueConstraint(
                fields=["mentee"], condition=models.Q(status="open"), name="one_open_request_each"
            ),
        ]

    def __str__(self):
        return f"Mentoring request of {self.mentee}"

    def get_absolute_url(self):
        return reverse("mentoring:request", args=[self.pk])


class Approach(models.Model):
    """One mentor asked, in the mentee's order of preference."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting its turn"
        PENDING = "pending", "Waiting for the mentor"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        EXPIRED = "expired", "Not answered in time"
        WITHDRAWN = "withdrawn", "Withdrawn"

    request = models.ForeignKey(
        MentoringRequest, on_delete=models.CASCADE, related_name="approaches"
    )
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentoring_approaches"
    )
    rank = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    sent_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    message = models.TextField("message to the mentee", max_length=1000, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["rank"]
        constraints = [
            models.UniqueConstraint(fields=["request", "mentor"], name="one_approach_per_mentor"),
            models.UniqueConstraint(fields=["request", "rank"], name="one_approach_per_rank"),
        ]
        indexes = [models.Index(fields=["status", "due_at"], name="approach_due")]

    def __str__(self):
        return f"{self.request} to {self.mentor}"


class MatchQuerySet(models.QuerySet):
    def visible_to(self, viewer) -> "MatchQuerySet":
        """A mentoring relationship, its goals and its meeting notes are for its pair alone:
        anyone else, coordinators and admins included, does not know of it."""
        if not viewer.is_authenticated:
            return self.none()
        return self.filter(own("mentor_id", viewer) | own("mentee_id", viewer))


class Match(models.Model):
    """A mentoring relationship: goals, meetings and an end."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        CLOSED = "closed", "Closed"

    request = models.OneToOneField(MentoringRequest, on_delete=models.CASCADE, related_name="match")
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="matches_as_mentor"
    )
    mentee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="matches_as_mentee"
    )
    goals = models.TextField("agreed goals", max_length=2000)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    started_at = models.DateTimeField(default=timezone.now)
    ends_on = models.DateField("planned end", null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    last_check_in_at = models.DateTimeField(null=True, blank=True)

    objects = MatchQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "matches"
        indexes = [models.Index(fields=["mentor", "status"], name="match_mentor_status")]

    def __str__(self):
        return f"{self.mentor} mentoring {self.mentee}"

    def get_absolute_url(self):
        return reverse("mentoring:match", args=[self.pk])


class Meeting(models.Model):
    """A meeting of the pair. Its notes are for the two of them alone."""

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="meetings")
    met_on = models.DateField("date")
    notes = models.TextField(max_length=5000, blank=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-met_on", "-id"]

    def __str__(self):
        return f"Meeting on {self.met_on}"


class MatchFeedback(models.Model):
    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="feedback")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    helped = models.BooleanField("did it help?")
    rating = models.PositiveSmallIntegerField(choices=[(n, str(n)) for n in range(1, 6)])
    changed = models.TextField("what changed", max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["match", "member"], name="one_feedback_each"),
        ]

    def __str__(self):
        return f"Feedback on {self.match}"


class Cohort(models.Model):
    """A coordinator's batch: chosen mentees and mentors, matched all at once."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    name = SingleLineCharField(max_length=150)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    mentees = models.ManyToManyField(
        MentoringRequest, related_name="cohorts", help_text="Open requests to match."
    )
    mentors = models.ManyToManyField(MentorOffer, related_name="cohorts")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("mentoring:cohort", args=[self.pk])


class CohortPair(models.Model):
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="pairs")
    request = models.ForeignKey(MentoringRequest, on_delete=models.CASCADE, related_name="+")
    mentor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    reasons = models.JSONField(default=list)

    class Meta:
        ordering = ["-score"]
        constraints = [
            models.UniqueConstraint(fields=["cohort", "request"], name="one_pair_per_mentee"),
        ]

    def __str__(self):
        return f"{self.mentor} with {self.request.mentee}"
