from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from base.fields import SingleLineCharField
from members.models import Organisation, Topic
from members.roles import is_curator, own


class ResourceQuerySet(models.QuerySet):
    def visible_to(self, viewer) -> "ResourceQuerySet":
        """Resources the viewer may open: what is or was in the library (archived ones keep
        their address, as old bulletins link to them), members-only ones to members only;
        drafts, and suggestions turned down without ever being in the library, to curators and
        to whoever contributed them."""
        if is_curator(viewer):
            return self.all()
        library = self.filter(first_published_at__isnull=False).exclude(
            status=Resource.Status.DRAFT
        )
        if not viewer.is_authenticated:
            return library.filter(audience=Resource.Audience.PUBLIC)
        return self.filter(models.Q(pk__in=library.values("pk")) | own("contributor_id", viewer))

    def listed(self) -> "ResourceQuerySet":
        """What the library lists and search finds: only what is in it now."""
        return self.filter(status=Resource.Status.PUBLISHED)


class Resource(models.Model):
    """Something a team made or learned that another team can use: a tool, a guide, a story."""

    class Kind(models.TextChoices):
        TOOL = "tool", "Improvement tool"
        GUIDE = "guide", "Guide"
        CASE_STUDY = "case_study", "Case study"
        REPORT = "report", "Report"
        TEMPLATE = "template", "Template"
        RECORDING = "recording", "Recording"
        LINK = "link", "Link"

    class Audience(models.TextChoices):
        PUBLIC = "public", "Anyone, including visitors"
        MEMBERS = "members", "Signed-in members only"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        ARCHIVED = "archived", "Archived"

    title = SingleLineCharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    summary = models.TextField(max_length=5000, help_text="You can use Markdown.")
    kind = models.CharField("type", max_length=16, choices=Kind.choices)
    file = models.FileField(upload_to="resources/", blank=True)
    # The name the file had on the contributor's computer, offered again on download.
    file_name = SingleLineCharField(max_length=200, blank=True)
    file_size = models.PositiveIntegerField(default=0)
    link = models.URLField("web address", max_length=500, blank=True)
    topics = models.ManyToManyField(Topic, blank=True, related_name="resources")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="resources"
    )
    author = SingleLineCharField(
        "author", max_length=200, blank=True, help_text="Who wrote or made it, if not you."
    )
    contributor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contributed_resources",
    )
    published_on = models.DateField("publication date", null=True, blank=True)
    audience = models.CharField(max_length=16, choices=Audience.choices, default=Audience.MEMBERS)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    featured = models.BooleanField(default=False)
    # Set when a member suggests it: the curators' review queue holds these drafts.
    suggested_at = models.DateTimeField(null=True, blank=True)
    # Set the first time it is published: from then on its address works for its audience,
    # even once archived. A suggestion turned down never has it.
    first_published_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class FileText(models.TextChoices):
        NOT_READ = "", "Not read"  # no file, a kind whose words are not read, or not read yet
        READ = "read", "Read for search"
        OVER_BUDGET = "over_budget", "More text than the library reads"
        UNPACKS_TOO_LARGE = "unpacks_too_large", "Unpacks to more than the library takes"
        UNREADABLE = "unreadable", "Could not be read"

    # Text taken from the uploaded file by resources.tasks.extract_resource_text, for search only.
    file_text = models.TextField(blank=True, editable=False)
    # How reading that text ended; curators are told when the words are not searched.
    file_text_outcome = models.CharField(
        max_length=20, choices=FileText.choices, blank=True, default="", editable=False
    )
    # Maintained by resources.indexing.resource_index(): title and topics first, file text last.
    search_vector = SearchVectorField(null=True, editable=False)

    # Kept by resources.services (counted afresh on each change), so lists need no aggregates.
    rating_count = models.PositiveIntegerField(default=0, editable=False)
    rating_average = models.DecimalField(max_digits=3, decimal_places=2, null=True, editable=False)
    use_count = models.PositiveIntegerField(default=0, editable=False)

    objects = ResourceQuerySet.as_manager()

    class Meta:
        ordering = ["-published_on", "-created_at"]
        indexes = [
            GinIndex(fields=["search_vector"], name="resource_search_gin"),
            GinIndex(OpClass(Lower("title"), name="gin_trgm_ops"), name="resource_title_trigram"),
            models.Index(fields=["status", "audience", "-published_on"], name="resource_listing"),
            # The few featured ones, for the home page and the top of the library.
            models.Index(
                fields=["-published_on"],
                condition=models.Q(featured=True, status="published"),
                name="resource_featured",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~(models.Q(file="") & models.Q(link="")),
                name="resource_has_file_or_link",
            )
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # Every path that publishes (the curators' buttons, their form, the admin, the seeds)
        # marks the first time, so visibility never depends on which path it was.
        if self.status == self.Status.PUBLISHED and self.first_published_at is None:
            self.first_published_at = timezone.now()
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "first_published_at"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("resources:detail", args=[self.slug])


class Rating(models.Model):
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="ratings")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="resource_ratings"
    )
    stars = models.PositiveSmallIntegerField(choices=[(n, str(n)) for n in range(1, 6)])
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["resource", "member"], name="one_rating_each"),
            models.CheckConstraint(
                condition=models.Q(stars__gte=1, stars__lte=5), name="rating_one_to_five"
            ),
        ]

    def __str__(self):
        return f"{self.stars} for {self.resource}"


class Use(models.Model):
    """A member says they used the resource in their practice: the library's measure of reuse."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="uses")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="resource_uses"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["resource", "member"], name="one_use_each"),
        ]

    def __str__(self):
        return f"{self.member} used {self.resource}"
