"""The rules of improvement projects: starting one, its team, and finding projects."""

import re

from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVector,
    SearchVectorField,
)
from django.db import transaction
from django.db.models import Case, Exists, F, Func, OuterRef, Prefetch, QuerySet, When
from django.utils import timezone

from base.audit import audit_record
from base.errors import NotFound
from base.queries import per_row
from base.shortcuts import private_slug
from base.text_search import SEARCH_CONFIG, search_text
from communities.models import Community
from members.models import Profile, User
from members.services import notify
from projects.audit import Action
from projects.drawing import Diagram, arrange, diagram_svg
from projects.helped import helped_seen
from projects.models import ChangeIdea, Cycle, Measure, Project, TeamMember

# Addresses under /projects/ that a project's slug must not take.
RESERVED_SLUGS = frozenset({"new", "ideas"})


class ProjectError(Exception):
    """A change to a project that its rules refuse, with the reason in the member's words."""


def project_create(*, lead: User, project: Project) -> Project:
    """Save a new project with the member who started it as its lead."""
    with transaction.atomic():
        # Never "-2": that would tell the member a project of the same name exists, though
        # it may be one they may not see.
        project.slug = private_slug(
            Project, project.title, reserved=RESERVED_SLUGS, length=80, fallback="project"
        )
        project.created_by = lead
        project.save()
        TeamMember.objects.create(project=project, member=lead, role=TeamMember.Role.LEAD)
        project_index(project)
    return project


def project_saved(*, project: Project, by: User, visibility_before: str | None = None) -> None:
    """After a lead edits the details: refresh its search words and note who changed who
    may see it."""
    Project.objects.filter(pk=project.pk).update(updated_at=timezone.now())
    project_index(project)
    if visibility_before is not None and visibility_before != project.visibility:
        audit_record(
            actor=by,
            action=Action.VISIBILITY_CHANGED,
            detail=f"{project.title}: {project.get_visibility_display()}",
        )


def project_touch(*, project: Project) -> None:
    """The project changed (a cycle, a measure, its data): it comes first in the list again."""
    Project.objects.filter(pk=project.pk).update(updated_at=timezone.now())


def team_add(*, project: Project, by: User, member: User, role: str) -> TeamMember:
    if not Project.objects.led_by(by).filter(pk=project.pk).exists():
        raise NotFound
    if not member.is_active or member.erased_at is not None:
        raise ProjectError("That member's account is closed.")
    with transaction.atomic():
        place, created = TeamMember.objects.get_or_create(
            project=project, member=member, defaults={"role": role}
        )
        if not created:
            raise ProjectError(f"{member.display_name} is already on the team.")
        audit_record(
            actor=by,
            action=Action.TEAM_MEMBER_ADDED,
            member=member,
            detail=f"{project.title}: {place.get_role_display()}",
        )
    return place


def _lock_team(project: Project) -> None:
    # Two leads stepping down at once must not leave a project without one: both wait here,
    # and the second counts the leads after the first has gone.
    Project.objects.select_for_update().filter(pk=project.pk).first()


def _other_leads(project: Project, place: TeamMember) -> int:
    return project.team.filter(role=TeamMember.Role.LEAD).exclude(pk=place.pk).count()


def team_role_change(*, project: Project, by: User, place_id: int, role: str) -> TeamMember:
    if not Project.objects.led_by(by).filter(pk=project.pk).exists():
        raise NotFound
    with transaction.atomic():
        _lock_team(project)
        place = project.team.select_related("member").filter(pk=place_id).first()
        if place is None:
            raise NotFound
        if place.role == role:
            return place
        if place.role == TeamMember.Role.LEAD and not _other_leads(project, place):
            raise ProjectError("A project needs a lead: make someone else lead first.")
        place.role = role
        place.save(update_fields=["role"])
        audit_record(
            actor=by,
            action=Action.TEAM_ROLE_CHANGED,
            member=place.member,
            detail=f"{project.title}: {place.get_role_display()}",
        )
    return place


def team_remove(*, project: Project, by: User, place_id: int) -> TeamMember:
    """A lead removes someone from the team, or a member leaves it."""
    with transaction.atomic():
        _lock_team(project)
        place = project.team.select_related("member").filter(pk=place_id).first()
        if place is None:
            raise NotFound
        leaving = place.member_id == by.pk
        if not leaving and not Project.objects.led_by(by).filter(pk=project.pk).exists():
            raise NotFound
        if place.role == TeamMember.Role.LEAD and not _other_leads(project, place):
            raise ProjectError(
                "A project needs a lead: make someone else lead before"
                + (" you leave." if leaving else " removing this one.")
            )
        place.delete()
        audit_record(
            actor=by,
            action=Action.TEAM_MEMBER_REMOVED,
            member=place.member,
            detail=project.title,
        )
    return place


def team_candidates(*, project: Project, by: User, text: str) -> QuerySet[Profile]:
    """Members a lead may add, found by name in the directory the lead may read."""
    text = search_text(text, length=100)
    if len(text) < 2:
        return Profile.objects.none()
    return (
        Profile.objects.visible_to(by)
        # The start of any word of their name: "mac" finds Ailsa MacKenzie, "sa" not Ailsa.
        .filter(member__name__iregex=r"\m" + re.escape(text))
        .exclude(member__in=project.team.values("member_id"))
        .select_related("member", "organisation")
        .order_by("member__name")[:20]
    )


def projects_index(projects: QuerySet[Project]) -> None:
    # The weights say which words a visitor may search (project_words): A and B are the
    # public summary's, C the background that only members read.
    projects.update(
        search_vector=SearchVector("title", weight="A", config=SEARCH_CONFIG)
        + SearchVector("aim", weight="B", config=SEARCH_CONFIG)
        + SearchVector("summary", weight="C", config=SEARCH_CONFIG)
    )


def project_index(project: Project) -> None:
    projects_index(Project.objects.filter(pk=project.pk))


def project_words(viewer) -> Case:
    """The words of a project that find it for the viewer: all of them (title, aim and
    background) where they read its whole story, the title and aim alone where they see only
    its public summary, so that a visitor's search tells nothing of the background."""
    summary_only = Func(
        F("search_vector"),
        function="ts_filter",
        template="%(function)s(%(expressions)s, '{a,b}')",
        output_field=SearchVectorField(),
    )
    return Case(
        When(pk__in=Project.objects.readable_by(viewer).values("pk"), then=F("search_vector")),
        default=summary_only,
        output_field=SearchVectorField(),
    )


def project_search(projects: QuerySet[Project], text: str, *, viewer) -> QuerySet[Project]:
    text = search_text(text)
    if not text:
        return projects
    query = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
    return (
        # The stored vector first, for its index; then only the words the viewer may search.
        projects.filter(search_vector=query)
        .annotate(words=project_words(viewer))
        .filter(words=query)
        .annotate(relevance=SearchRank(F("words"), query))
        .order_by("-relevance", "-updated_at")
    )


def project_listing(projects: QuerySet[Project]) -> QuerySet[Project]:
    """What a row of the list shows: organisations, the lead and the counts."""
    leads = TeamMember.objects.filter(role=TeamMember.Role.LEAD).select_related("member")
    # The background and the search words are the widest columns, and no row shows them.
    return (
        projects.defer("summary", "search_vector")
        .annotate(
            measure_count=per_row(Measure.objects.all(), "project"),
            idea_count=per_row(ChangeIdea.objects.all(), "project"),
        )
        .prefetch_related(
            "organisations",
            Prefetch("team", queryset=leads, to_attr="leads"),
        )
    )


def project_for(viewer, slug: str) -> Project:
    """The project at `slug` as the viewer meets it, with what they may do to it
    (`viewer_reads`, `viewer_edits`, `viewer_leads`) worked out in the same query; NotFound if
    they may not see it."""
    project = (
        Project.objects.visible_to(viewer)
        .annotate(
            viewer_reads=Exists(Project.objects.readable_by(viewer).filter(pk=OuterRef("pk"))),
            viewer_edits=Exists(Project.objects.editable_by(viewer).filter(pk=OuterRef("pk"))),
            viewer_leads=Exists(Project.objects.led_by(viewer).filter(pk=OuterRef("pk"))),
        )
        .filter(slug=slug)
        .first()
    )
    if project is None:
        raise NotFound
    return project


def diagram_of(*, project: Project) -> Diagram:
    """The project's driver diagram in two queries, each change idea with its cycle_count."""
    return arrange(
        project.drivers.all(),
        project.ideas.annotate(cycle_count=per_row(Cycle.objects.all(), "idea")),
    )


def project_page(*, project: Project, viewer) -> dict:
    """What the project's page shows the viewer: to a visitor the public summary alone (and
    the charts, if the team chose); to members the team, the diagram, cycles and measures."""
    page = {
        "organisations": list(project.organisations.all()),
        "topics": list(project.topics.all()),
        "team": [],
        "place": None,
        "communities": [],
        "helped": None,
        "diagram": None,
    }
    if project.viewer_reads:
        page["team"] = list(project.team.select_related("member__profile"))
        page["place"] = next(
            (place for place in page["team"] if place.member_id == viewer.pk), None
        )
        page["communities"] = list(
            project.communities.filter(
                pk__in=Community.objects.visible_to(viewer).values("pk")
            ).order_by("name")
        )
        page["diagram"] = diagram_of(project=project)
        if not page["diagram"].is_empty:
            page["diagram_svg"] = diagram_svg(aim=project.aim, diagram=page["diagram"])
        page["helped"] = helped_seen(
            project=project, viewer=viewer, communities=page["communities"]
        )
    return page


def member_leaves(*, member: User) -> list[TeamMember]:
    """A member closing their account leaves every team. A project they alone led passes to
    the longest-serving of its team members (a sponsor if it has no team member), who is told;
    a project with nobody else on its team keeps its story and is led by the admins. Returns
    the places that became leads."""
    promoted = []
    places = TeamMember.objects.filter(member=member).select_related("project")
    for place in places.order_by("project_id"):
        with transaction.atomic():
            _lock_team(place.project)
            if place.role == TeamMember.Role.LEAD and not _other_leads(place.project, place):
                successor = (
                    place.project.team.exclude(pk=place.pk)
                    .select_related("member")
                    .order_by(
                        # Team members change the project; sponsors follow it.
                        Case(When(role=TeamMember.Role.MEMBER, then=0), default=1),
                        "joined_at",
                        "pk",
                    )
                    .first()
                )
                if successor is not None:
                    successor.role = TeamMember.Role.LEAD
                    successor.save(update_fields=["role"])
                    audit_record(
                        actor=None,
                        action=Action.TEAM_ROLE_CHANGED,
                        member=successor.member,
                        detail=f"{place.project.title}: Lead, when its lead left the network",
                    )
                    notify(
                        member=successor.member,
                        kind="project_lead",
                        message=(
                            f"You now lead {place.project.title}: its lead has left the network."
                        ),
                        url=place.project.get_absolute_url(),
                    )
                    promoted.append(successor)
            place.delete()
    Cycle.objects.filter(created_by=member).update(created_by=None)
    Project.objects.filter(created_by=member).update(created_by=None)
    return promoted
