from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from base.fields import SingleLineCharField


class Feature(models.TextChoices):
    """The five features of effective networks, which insights measures and stories reflect."""

    COMMON_PURPOSE = "common_purpose", "Common purpose"
    COOPERATIVE_STRUCTURES = "cooperative_structures", "Cooperative structures"
    CRITICAL_MASS = "critical_mass", "Critical mass"
    COLLECTIVE_INTELLIGENCE = "collective_intelligence", "Collective intelligence"
    COMMUNITY_BUILDING = "community_building", "Community building"


class StoryQuerySet(models.QuerySet):
    def visible_to(self, viewer) -> "StoryQuerySet":
        """Published stories are for everyone; the others for their author and the coordinators
        who review them."""
        from members.roles import is_coordinator, own

        if is_coordinator(viewer):
            return self.all()
        published = models.Q(status=Story.Status.PUBLISHED)
        if not viewer.is_authenticated:
            return self.filter(published)
        return self.filter(published | own("author_id", viewer))

    def published(self) -> "StoryQuerySet":
        return self.filter(status=Story.Status.PUBLISHED).order_by("-published_at", "-pk")

    def for_cards(self) -> "StoryQuerySet":
        return self.select_related("author", "author__profile__organisation", "community", "event")


class Story(models.Model):
    """A member's short account of a change they made, and what in the network helped."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Waiting for review"
        PUBLISHED = "published", "Published"
        DECLINED = "declined", "Not published"

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="stories"
    )
    title = SingleLineCharField(max_length=150)
    change = models.TextField("what we changed", max_length=3000)
    place = SingleLineCharField("where", max_length=200)
    result = models.TextField("what happened as a result", max_length=3000)
    features = ArrayField(
        models.CharField(max_length=32, choices=Feature.choices),
        verbose_name="which features of the network it reflects",
    )
    community = models.ForeignKey(
        "communities.Community",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="a community that helped",
    )
    event = models.ForeignKey(
        "events.Event",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="an event that helped",
    )
    mentoring_helped = models.BooleanField("mentoring helped", default=False)
    # A project's measure whose chart shows the change: the story page draws it for those who
    # may see the project's charts (insights.services.story_chart).
    measure = models.ForeignKey(
        "projects.Measure",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="stories",
        verbose_name="the chart that shows the change",
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    created_at = models.DateTimeField(default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)

    objects = StoryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "stories"
        ordering = ["-published_at", "-created_at"]
        indexes = [models.Index(fields=["status", "-published_at"], name="story_published")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("insights:story", args=[self.pk])

    def get_features_display(self) -> list[str]:
        return [Feature(feature).label for feature in self.features]


class Assessment(models.Model):
    """The network's own yearly rating of one of the five features, with its evidence."""

    year = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    feature = models.CharField(max_length=32, choices=Feature.choices)
    rating = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    evidence = models.TextField(max_length=3000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["year", "feature"]
        constraints = [
            models.UniqueConstraint(fields=["year", "feature"], name="one_assessment_each"),
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5), name="assessment_one_to_five"
            ),
        ]

    def __str__(self):
        return f"{self.get_feature_display()} {self.year}: {self.rating}"


class Target(models.Model):
    """How many members the network aims to have in one region, type of organisation or
    sector: the admin sets these, and insights shows the reach against them."""

    class Dimension(models.TextChoices):
        REGION = "region", "Region"
        ORGANISATION_KIND = "organisation_kind", "Type of organisation"
        SECTOR = "sector", "Sector"

    dimension = models.CharField(max_length=32, choices=Dimension.choices)
    value = models.CharField(
        max_length=32,
        help_text="One of the regions, types of organisation or sectors (the admin's form "
        "offers them as one list).",
    )
    members = models.PositiveIntegerField(
        "target number of members", validators=[MinValueValidator(1)]
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["dimension", "value"]
        constraints = [
            models.UniqueConstraint(fields=["dimension", "value"], name="one_target_each")
        ]

    def __str__(self):
        return f"{self.value_label}: {self.members} members"

    @classmethod
    def choices_for(cls, dimension: str) -> list[tuple[str, str]]:
        from members.models import Organisation, Region, Sector

        return {
            cls.Dimension.REGION: Region.choices,
            cls.Dimension.ORGANISATION_KIND: Organisation.Kind.choices,
            cls.Dimension.SECTOR: Sector.choices,
        }[dimension]

    @property
    def value_label(self) -> str:
        return dict(self.choices_for(self.dimension)).get(self.value, self.value)

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.dimension and self.value not in dict(self.choices_for(self.dimension)):
            allowed = ", ".join(value for value, _ in self.choices_for(self.dimension))
            raise ValidationError({"value": f"Choose one of: {allowed}."})
