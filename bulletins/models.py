from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from base.fields import SingleLineCharField
from base.models import Email
from communities.models import Community
from events.models import Event
from members.models import Organisation, Region, Sector, Topic
from members.roles import is_curator, own
from resources.models import Resource

# The outbox's kind for a member's copy of a sent bulletin: who was sent which bulletin.
BULLETIN_EMAIL = "bulletins.bulletin"


class BulletinQuerySet(models.QuerySet):
    def visible_to(self, viewer) -> "BulletinQuerySet":
        """Who may read which bulletin, in the archive and everywhere else.

        A bulletin sent to everyone (as recorded when it went, sent_to_everyone): anyone,
        visitors included. One sent to an audience (bulletins.audiences): the members it was
        sent to, who have its copy in the outbox. Curators see every bulletin, drafts too,
        except those for a secret community's members that they may not know of, unless they
        were sent it. What each reader sees inside one is bulletins.snapshot.bulletin_content.
        """
        sent_to_them = Exists(
            Email.objects.filter(
                own("recipient_id", viewer), kind=BULLETIN_EMAIL, about_id=OuterRef("pk")
            )
        )
        if is_curator(viewer):
            for_a_secret_community = Exists(
                Bulletin.audience_communities.through.objects.filter(
                    bulletin_id=OuterRef("pk"),
                    community__in=Community.objects.secret_from(viewer),
                )
            )
            return self.filter(~for_a_secret_community | sent_to_them)
        # Read from what was recorded, never from the audience as it stands now: a community or
        # topic deleted since must not turn a bulletin for chosen members into a public one.
        return self.filter(frozen__isnull=False).filter(Q(sent_to_everyone=True) | sent_to_them)

    def to_everyone(self) -> "BulletinQuerySet":
        """Bulletins whose audience, as it stands now, is every subscribed member: nothing
        chosen of any kind. Who a sent bulletin went to is Bulletin.sent_to_everyone."""
        return (
            self.filter(audience_regions=[], audience_organisation_kinds=[], audience_sectors=[])
            .exclude(
                Exists(
                    Bulletin.audience_communities.through.objects.filter(bulletin_id=OuterRef("pk"))
                )
            )
            .exclude(
                Exists(
                    Bulletin.audience_interests.through.objects.filter(bulletin_id=OuterRef("pk"))
                )
            )
        )

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
    # Whether it went to every subscribed member, recorded when sending starts: who may read it
    # (visible_to) follows this, whatever becomes of the communities and topics it was sent to.
    sent_to_everyone = models.BooleanField(default=False, editable=False)
    # The audience a curator confirmed when scheduling it (bulletins.audiences.fingerprint): it
    # goes at its time only to that audience.
    confirmed_audience = models.CharField(max_length=64, blank=True, editable=False)

    # The audience (bulletins.audiences): within one kind any of the chosen values, across the
    # kinds every kind chosen. Nothing chosen at all: every subscribed member.
    audience_regions = ArrayField(
        models.CharField(max_length=16, choices=Region.choices),
        default=list,
        blank=True,
        verbose_name="regions",
    )
    audience_organisation_kinds = ArrayField(
        models.CharField(max_length=32, choices=Organisation.Kind.choices),
        default=list,
        blank=True,
        verbose_name="types of organisation",
    )
    audience_sectors = ArrayField(
        models.CharField(max_length=32, choices=Sector.choices),
        default=list,
        blank=True,
        verbose_name="sectors",
    )
    audience_communities = models.ManyToManyField(
        Community, blank=True, related_name="+", verbose_name="members of these communities"
    )
    audience_interests = models.ManyToManyField(
        Topic, blank=True, related_name="+", verbose_name="interested in"
    )

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
