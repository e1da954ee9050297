"""Improvement projects: an aim, a team, a driver diagram, PDSA cycles and measures.

Who may see what is written once, in ProjectQuerySet (docs/security.md): every page, list,
search, export and figure asks it, and the project's parts (change ideas, cycles, measures)
ask it through their project.
"""

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from base.fields import SingleLineCharField
from base.typos import typo_keys
from communities.models import Community
from events.models import Event
from members.models import Organisation, Topic
from members.roles import is_admin, own
from mentoring.models import Match
from resources.models import Resource


def _teams_of(viewer, roles=None) -> models.QuerySet:
    places = TeamMember.objects.filter(own("member_id", viewer))
    if roles is not None:
        places = places.filter(role__in=roles)
    return places.values("project_id")


class ProjectQuerySet(models.QuerySet):
    """The four questions about a project, for every path that shows or changes one."""

    def visible_to(self, viewer) -> "ProjectQuerySet":
        """Projects the viewer may know of and see the summary of: a team-only project its
        team (and admins); a members' project every member; a project with a public summary
        anyone, visitors included (they see the summary alone: readable_by says who sees more)."""
        if is_admin(viewer):
            return self.all()
        if not viewer.is_authenticated:
            return self.filter(visibility=Project.Visibility.PUBLIC)
        return self.filter(~Q(visibility=Project.Visibility.TEAM) | Q(pk__in=_teams_of(viewer)))

    def readable_by(self, viewer) -> "ProjectQuerySet":
        """Projects whose whole story the viewer may read: team, driver diagram, PDSA cycles,
        measures with their data. Members for every project they may see; visitors none (a
        public summary shows the aim, status and, if the team chose, the charts alone)."""
        if not viewer.is_authenticated:
            return self.none()
        return self.visible_to(viewer)

    def editable_by(self, viewer) -> "ProjectQuerySet":
        """Projects whose diagram, cycles and measures the viewer may change: its lead and
        team members (not its sponsors, who follow it), and admins."""
        if is_admin(viewer):
            return self.all()
        if not viewer.is_authenticated:
            return self.none()
        return self.filter(
            pk__in=_teams_of(viewer, roles=[TeamMember.Role.LEAD, TeamMember.Role.MEMBER])
        )

    def led_by(self, viewer) -> "ProjectQuerySet":
        """Projects whose details, team and visibility the viewer may change: their leads'."""
        if is_admin(viewer):
            return self.all()
        if not viewer.is_authenticated:
            return self.none()
        return self.filter(pk__in=_teams_of(viewer, roles=[TeamMember.Role.LEAD]))


class Project(models.Model):
    class Status(models.TextChoices):
        PLANNING = "planning", "Planning"
        TESTING = "testing", "Testing changes"
        SPREADING = "spreading", "Spreading"
        SUSTAINED = "sustained", "Sustained"
        CLOSED = "closed", "Closed"

    class Level(models.TextChoices):
        LOCALITY = "locality", "Locality"
        PARTNERSHIP = "partnership", "Partnership"
        REGIONAL = "regional", "Regional"
        NATIONAL = "national", "National"

    class Visibility(models.TextChoices):
        TEAM = "team", "The project team only"
        MEMBERS = "members", "All members of the network"
        PUBLIC = "public", "All members, and a public summary for anyone"

    title = SingleLineCharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    aim = models.TextField(
        "aim statement",
        max_length=1000,
        help_text=(
            "What will improve, by how much, by when and for whom. For example: reduce falls"
            " with harm on our two care of the elderly wards by 30% by March 2027."
        ),
    )
    summary = models.TextField(
        "background",
        max_length=5000,
        blank=True,
        help_text="Why the team took this on and what it has learned so far. You can use Markdown.",
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PLANNING)
    level = models.CharField(max_length=16, choices=Level.choices, default=Level.LOCALITY)
    visibility = models.CharField(
        "who can see it", max_length=16, choices=Visibility.choices, default=Visibility.MEMBERS
    )
    public_charts = models.BooleanField(
        "show the charts in the public summary",
        default=False,
        help_text="Visitors see the charts and what they show, never the data behind them.",
    )
    organisations = models.ManyToManyField(Organisation, blank=True, related_name="projects")
    topics = models.ManyToManyField(Topic, blank=True, related_name="projects")
    communities = models.ManyToManyField(
        Community,
        blank=True,
        related_name="projects",
        help_text="Communities of practice the project belongs to or learned from.",
    )
    # What helped, named by the team: each of those pages lists the projects it helped.
    events = models.ManyToManyField(Event, blank=True, related_name="projects")
    resources = models.ManyToManyField(Resource, blank=True, related_name="projects")
    matches = models.ManyToManyField(Match, blank=True, related_name="projects")
    started_on = models.DateField("started", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Maintained by projects.services.projects_index(): title first, then aim and background.
    search_vector = SearchVectorField(null=True, editable=False)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "pk"]
        indexes = [
            GinIndex(fields=["search_vector"], name="project_search_gin"),
            GinIndex(OpClass(Lower("title"), name="gin_trgm_ops"), name="project_title_trigram"),
            GinIndex(typo_keys(Lower("title")), name="project_title_typos"),
            models.Index(fields=["visibility", "-updated_at"], name="project_listing"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("projects:detail", args=[self.slug])


class TeamMember(models.Model):
    class Role(models.TextChoices):
        LEAD = "lead", "Lead"
        MEMBER = "member", "Team member"
        SPONSOR = "sponsor", "Sponsor"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="team")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="project_places"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "member"], name="one_place_per_project")
        ]
        ordering = ["role", "joined_at", "pk"]
        indexes = [models.Index(fields=["member", "role"], name="team_member_role")]

    def __str__(self):
        return f"{self.member} ({self.get_role_display()}) on {self.project}"


class Driver(models.Model):
    """A primary driver (no parent) or a secondary driver (under a primary one)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="drivers")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="secondary"
    )
    text = SingleLineCharField(max_length=300)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self):
        return self.text

    @property
    def is_primary(self) -> bool:
        return self.parent_id is None


class ChangeIdeaQuerySet(models.QuerySet):
    def visible_to(self, viewer) -> "ChangeIdeaQuerySet":
        """A change idea is read with its project's whole story: by those who may read it."""
        return self.filter(project__in=Project.objects.readable_by(viewer).values("pk"))


class ChangeIdea(models.Model):
    """Something a team will try, tested in PDSA cycles; it may spread to other projects."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="ideas")
    driver = models.ForeignKey(
        Driver, on_delete=models.SET_NULL, null=True, blank=True, related_name="ideas"
    )
    title = SingleLineCharField(max_length=300)
    slug = models.SlugField(max_length=200, unique=True)
    description = models.TextField(max_length=5000, blank=True, help_text="You can use Markdown.")
    # The idea this one adopts ("we are testing this too"): always the first project's idea, so
    # an idea's spread is one query however far it has travelled.
    adopted_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="adoptions"
    )
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ChangeIdeaQuerySet.as_manager()

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("projects:idea", args=[self.slug])


class Cycle(models.Model):
    """One Plan-Do-Study-Act cycle testing a change idea; an idea's cycles make its ramp."""

    class Decision(models.TextChoices):
        ADOPT = "adopt", "Adopt"
        ADAPT = "adapt", "Adapt"
        ABANDON = "abandon", "Abandon"

    idea = models.ForeignKey(ChangeIdea, on_delete=models.CASCADE, related_name="cycles")
    number = models.PositiveIntegerField()
    # Plan
    question = models.TextField("what we want to learn", max_length=2000)
    prediction = models.TextField("what we predict will happen", max_length=2000)
    plan = models.TextField("the plan", max_length=4000, blank=True)
    # Do
    done = models.TextField("what was done", max_length=4000, blank=True)
    started_on = models.DateField("started", null=True, blank=True)
    finished_on = models.DateField("finished", null=True, blank=True)
    # Study
    study = models.TextField("what happened, against the prediction", max_length=4000, blank=True)
    # Act
    decision = models.CharField(max_length=16, choices=Decision.choices, blank=True)
    next_steps = models.TextField("next cycle", max_length=2000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["number", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["idea", "number"], name="one_cycle_number_per_idea")
        ]

    def __str__(self):
        return f"PDSA {self.number}: {self.idea}"


class Measure(models.Model):
    class Kind(models.TextChoices):
        OUTCOME = "outcome", "Outcome measure"
        PROCESS = "process", "Process measure"
        BALANCING = "balancing", "Balancing measure"

    class Direction(models.TextChoices):
        UP = "up", "Higher is better"
        DOWN = "down", "Lower is better"

    class Chart(models.TextChoices):
        RUN = "run", "Run chart: values around their median"
        INDIVIDUALS = "i", "I chart (XmR): individual values"
        P = "p", "P chart: a proportion, numerator over denominator"
        U = "u", "U chart: a count over an area of opportunity"
        C = "c", "C chart: a count"

    class Rules(models.TextChoices):
        IHI = "ihi", "IHI run chart rules (shift, trend, runs)"
        ANHOJ = "anhoj", "Anhøj rules (long runs, few crossings)"
        MDC = "mdc", "NHS Making Data Count (control charts)"

    class Period(models.TextChoices):
        WEEK = "week", "Week"
        MONTH = "month", "Month"
        SAMPLE = "sample", "Sample (a date each)"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="measures")
    title = SingleLineCharField(max_length=200)
    kind = models.CharField("type", max_length=16, choices=Kind.choices, default=Kind.OUTCOME)
    definition = models.TextField(
        "operational definition",
        max_length=4000,
        help_text=(
            "Exactly what is counted, from where and how often, so that anyone would count it"
            " the same way."
        ),
    )
    unit = SingleLineCharField(max_length=60, blank=True, help_text="For example: falls, %, days.")
    direction = models.CharField(max_length=8, choices=Direction.choices, default=Direction.UP)
    target = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    chart = models.CharField(max_length=8, choices=Chart.choices, default=Chart.RUN)
    rules = models.CharField(max_length=8, choices=Rules.choices, default=Rules.IHI)
    period = models.CharField(
        "data collected by", max_length=8, choices=Period.choices, default=Period.MONTH
    )
    baseline = models.PositiveIntegerField(
        "baseline points",
        null=True,
        blank=True,
        help_text="Freeze the centre line (and limits) on the first points, and extend it.",
    )
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    # What the latest analysis showed, kept when the data changes (projects.measures), so that
    # lists, the impact page and the prompt to share a story need not analyse every measure.
    class Verdict(models.TextChoices):
        NONE = "", "No signal"
        IMPROVEMENT = "improvement", "Improvement"
        CONCERN = "concern", "Concern"

    verdict = models.CharField(max_length=16, choices=Verdict.choices, blank=True, default="")
    verdict_since = models.DateField(null=True, blank=True)
    analysed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "pk"]
        indexes = [models.Index(fields=["verdict", "project"], name="measure_verdict")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("projects:measure", args=[self.project.slug, self.pk])


class Sample(models.Model):
    """One period's (or one sample's) figures for a measure."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="samples")
    period = models.DateField()
    value = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    numerator = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    denominator = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    note = SingleLineCharField(max_length=200, blank=True)

    class Meta:
        ordering = ["period", "pk"]
        indexes = [models.Index(fields=["measure", "period"], name="sample_measure_period")]

    def __str__(self):
        return f"{self.measure}: {self.period}"


class Phase(models.Model):
    """A new phase of a measure from a date, after a change: its own centre line and limits."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="phases")
    starts_on = models.DateField()
    label = SingleLineCharField(max_length=200, blank=True)

    class Meta:
        ordering = ["starts_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "starts_on"], name="one_phase_per_date")
        ]

    def __str__(self):
        return f"{self.measure}: from {self.starts_on}"
