from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from base.fields import SingleLineCharField
from communities.models import Community
from events.models import Event
from members.roles import is_curator
from resources.models import Resource


class BulletinQuerySet(models.QuerySet):
    def visible_to(self, viewer) -> "BulletinQuerySet":
        """Bulletins once they are sent (their archive is public); drafts and scheduled ones to
        curators. What each reader sees inside one is bulletins.snapshot.bulletin_content."""
        if is_curator(viewer):
            return self.all()
        return self.filter(frozen__isnull=False)

    def sent(self) -> "BulletinQuerySet":
        return self.filter(status__in=[Bulletin.Status.SENDING, Bulletin.Status.SENT])


class Bulletin(models.Model):
    """The eBulletin: composed by curators, frozen when it goes out, then kept in the archive."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SCHEDULED = "scheduled", "Scheduled"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"

    title = SingleLineCharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    introduction = models.TextField(max_length=5000, blank=True, help_text="You can use Markdown.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    scheduled_for = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # The date of issue: when sending started. The archive lists bulletins by it.
    sent_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # What was sent, fixed when sending starts: the archive and every e-mail read this, so later
    # edits of a resource or an event never change a bulletin that has gone out.
    frozen = models.JSONField(null=True, blank=True, editable=False)

    objects = BulletinQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at", "-created_at"]
        indexes = [models.Index(fields=["status", "-sent_at"], name="bulletin_archive")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("bulletins:detail", args=[self.slug])

    @property
    def is_editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.SCHEDULED)


class BulletinSection(models.Model):
    bulletin = models.ForeignKey(Bulletin, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveSmallIntegerField(default=1)
    heading = SingleLineCharField(max_length=200)
    text = models.TextField(max_length=5000, blank=True, help_text="You can use Markdown.")
    members_only = models.BooleanField(
        "for members only",
        default=False,
        help_text="Left out of the public archive. E-mails go to members, so they always have it.",
    )
    resources = models.ManyToManyField(Resource, blank=True, related_name="+")
    events = models.ManyToManyField(Event, blank=True, related_name="+")
    communities = models.ManyToManyField(Community, blank=True, related_name="+")

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.heading
