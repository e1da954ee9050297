"""What helped a project: the communities, events, mentoring relationships and resources its
team names, and, seen from each of those, the projects it helped.

Every list is filtered twice by the one visibility model: what a project names is shown to a
viewer only where they may see it (`Community`, `Event`, `Resource` and `Match`
`.objects.visible_to`), and the projects a thing helped only where they may see the project
(`Project.objects.visible_to`). A team member names only what they may see; links a teammate
made to things they may not see are kept, untouched and unnamed.

The page where the team names them stays light however big the network is: it never lists
every event or resource. It offers, for each kind, what is linked already, the member's own
(their communities, the events they registered for, the resources they rated, used or added,
their mentoring relationships) and what the search box on the page found, a few of each. The
search box is a button of the same form, so ticks not yet saved are kept while one searches,
and the page needs no script.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Value,
    Window,
)
from django.utils import timezone

from base.errors import NotFound
from communities.models import Community, Membership
from communities.services import community_search
from events.models import Event, Registration
from events.services import event_search
from members.models import User
from mentoring.models import Match
from projects.models import Project
from resources.models import Rating, Resource, Use
from resources.services import resource_search

MINE = 30  # of the member's own events and resources offered, the latest first
FOUND = 10  # of each kind the search box adds
CHOSEN = 200  # ids posted back with the form: more than a page ever offers
HELPED_SHOWN = 10  # projects named on the page of a thing that helped them


@dataclass
class Helped:
    """What helped a project, as one viewer may see it."""

    communities: list = field(default_factory=list)
    events: list = field(default_factory=list)
    matches: list = field(default_factory=list)
    resources: list = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.communities or self.events or self.matches or self.resources)


# The four kinds, each with who may see it and how its choices are ordered.
KINDS = {
    "communities": (Community, "name"),
    "events": (Event, "-starts_at"),
    "matches": (Match, "-started_at"),
    "resources": (Resource, "title"),
}


def _visible(kind: str, viewer) -> QuerySet:
    model, ordering = KINDS[kind]
    visible = model.objects.visible_to(viewer).order_by(ordering, "pk")
    if kind == "events":
        return visible.only("title", "slug", "starts_at", "ends_at", "community_id")
    if kind == "resources":
        return visible.defer("file_text", "search_vector")
    if kind == "matches":
        return visible.select_related("mentor", "mentee")
    return visible


def helped_seen(*, project: Project, viewer, communities: list | None = None) -> Helped:
    """What helped the project that the viewer may see: one query for which kinds it names, then
    one a kind it names (`communities`: the project page's own list of them, already filtered
    for the viewer)."""
    wanted = [kind for kind in KINDS if kind != "communities" or communities is None]
    # Most projects name few kinds, or none yet: one light question first spares the page the
    # visibility rules of every kind it has nothing of.
    linked = Project.objects.filter(pk=project.pk).values(
        **{
            f"names_{kind}": Exists(
                getattr(Project, kind).through.objects.filter(project=OuterRef("pk"))
            )
            for kind in wanted
        }
    )[0]
    seen = {
        kind: list(_visible(kind, viewer).filter(projects=project))
        if linked[f"names_{kind}"]
        else []
        for kind in wanted
    }
    if communities is not None:
        seen["communities"] = communities
    return Helped(**seen)


def _found(kind: str, editor, text: str) -> QuerySet:
    """The ids of the best few of a kind matching what the member typed in the page's box."""
    if not text:
        return KINDS[kind][0].objects.none()
    visible = KINDS[kind][0].objects.visible_to(editor)
    if kind == "communities":
        found = community_search(visible, text)
    elif kind == "events":
        found = event_search(visible, text).order_by("-relevance", "-starts_at", "pk")
    else:
        found = resource_search(visible.listed(), text)
    return found.values("pk")[:FOUND]


def _mine(kind: str, editor) -> Q:
    """The member's own of a kind: what a team member most likely means by "it helped us"."""
    if kind == "communities":
        return Q(pk__in=Membership.objects.filter(member=editor).values("community_id"))
    if kind == "events":
        registered = (
            Registration.objects.filter(member=editor)
            .order_by("-event__starts_at", "-pk")
            .values("event_id")[:MINE]
        )
        return Q(pk__in=registered)
    if kind == "resources":
        touched = (
            Q(pk__in=Rating.objects.filter(member=editor).values("resource_id"))
            | Q(pk__in=Use.objects.filter(member=editor).values("resource_id"))
            | Q(contributor=editor)
        )
        latest = Resource.objects.filter(touched).order_by("-updated_at", "-pk").values("pk")[:MINE]
        return Q(pk__in=latest)
    # Mentoring relationships are seen by their pair alone (below): all of one's own are few.
    return Q(pk__isnull=False)


def helped_offered(
    *, project: Project, editor: User, text: str = "", chosen: dict | None = None
) -> dict[str, list]:
    """What the member may tick on the project's "what helped" page, each kind in one query:
    what is linked already, their own, what their search found and what they ticked before
    searching (`chosen`: ids posted back), all of it only what they may see."""
    chosen = chosen or {}
    text = " ".join(text.split())[:200]
    offered = {}
    for kind in KINDS:
        ids = [int(pk) for pk in chosen.get(kind, [])[:CHOSEN] if str(pk).isdigit()]
        linked = Q(pk__in=getattr(project, kind).values("pk"))
        found = Q(pk__in=_found(kind, editor, text)) if text and kind != "matches" else None
        wanted = linked | _mine(kind, editor) | Q(pk__in=ids)
        if found is not None:
            wanted |= found
        offered[kind] = list(
            _visible(kind, editor)
            .filter(wanted)
            .annotate(
                linked=ExpressionWrapper(linked, output_field=BooleanField()),
                found=(
                    Value(False)
                    if found is None
                    else ExpressionWrapper(found, output_field=BooleanField())
                ),
            )
        )
    return offered


def helped_save(*, project: Project, by: User, chosen: dict[str, list]) -> None:
    """Link what the member ticked, of each kind; links to things they may not see stay as
    they are (a teammate made them, and the member cannot know of them to undo them)."""
    if not Project.objects.editable_by(by).filter(pk=project.pk).exists():
        raise NotFound
    with transaction.atomic():
        for kind in KINDS:
            links = getattr(project, kind)
            unseen = list(links.exclude(pk__in=KINDS[kind][0].objects.visible_to(by).values("pk")))
            links.set([*chosen.get(kind, []), *unseen])
        # As projects.services.project_touch (which imports this module for the project page).
        Project.objects.filter(pk=project.pk).update(updated_at=timezone.now())


# --- the other side: on a community's, event's, resource's or relationship's page ------------


def helped_by(thing, viewer, *, kind: str) -> dict | None:
    """The projects `thing` helped that the viewer may see, the most recently active first:
    the panel "Projects this helped" on its page. One query, the total counted alongside."""
    projects = list(
        Project.objects.visible_to(viewer)
        .filter(**{kind: thing})
        .only("title", "slug", "aim", "status", "visibility", "updated_at")
        .annotate(total=Window(Count("pk")))
        .order_by("-updated_at", "pk")[:HELPED_SHOWN]
    )
    if not projects:
        return None
    return {"projects": projects, "total": projects[0].total}
