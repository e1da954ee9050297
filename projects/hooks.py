"""What projects add to a member's own page, profile, export and erasure, and to the pages of
the communities, events, resources and mentoring relationships that helped a project
(members.hooks)."""

from functools import partial

from projects.helped import helped_by
from projects.models import Cycle, Project, TeamMember
from projects.services import member_leaves

MY_PROJECTS = 10


def home_panel(member) -> dict:
    places = (
        TeamMember.objects.filter(member=member)
        .select_related("project")
        .order_by("-project__updated_at", "pk")[:MY_PROJECTS]
    )
    return {"places": list(places)}


def profile_panel(member, viewer) -> dict | None:
    """The projects the member is on the team of, where the viewer may read the project's
    whole story: who is on a team is part of it, so a visitor (who sees public summaries
    alone) and a member outside a team-only project learn nothing of it here."""
    places = list(
        TeamMember.objects.filter(
            member=member, project__in=Project.objects.readable_by(viewer).values("pk")
        )
        .select_related("project")
        .order_by("-project__updated_at", "pk")[:MY_PROJECTS]
    )
    return {"places": places} if places else None


def export(member) -> dict:
    places = TeamMember.objects.filter(member=member).select_related("project")
    cycles = Cycle.objects.filter(created_by=member).select_related("idea__project")
    return {
        "team_places": [
            {
                "project": place.project.title,
                "address": place.project.get_absolute_url(),
                "role": place.get_role_display(),
                "joined_at": place.joined_at.isoformat(),
            }
            for place in places.order_by("joined_at", "pk")
        ],
        "projects_started": list(
            Project.objects.filter(created_by=member)
            .order_by("created_at")
            .values_list("title", flat=True)
        ),
        "pdsa_cycles_written": [
            {
                "project": cycle.idea.project.title,
                "change_idea": cycle.idea.title,
                "number": cycle.number,
                "question": cycle.question,
                "prediction": cycle.prediction,
                "plan": cycle.plan,
                "done": cycle.done,
                "started_on": cycle.started_on.isoformat() if cycle.started_on else None,
                "finished_on": cycle.finished_on.isoformat() if cycle.finished_on else None,
                "study": cycle.study,
                "decision": cycle.get_decision_display(),
                "next_steps": cycle.next_steps,
                "created_at": cycle.created_at.isoformat(),
            }
            for cycle in cycles.order_by("created_at", "pk")
        ],
    }


def erase(member) -> None:
    """Their places on teams go (a project they alone led passes to its longest-serving team
    member); the cycles they wrote are the team's work and stay, no longer theirs."""
    member_leaves(member=member)


# "Projects this helped", on each kind of page a project names in "what helped".
helped_community = partial(helped_by, kind="communities")
helped_event = partial(helped_by, kind="events")
helped_resource = partial(helped_by, kind="resources")
helped_match = partial(helped_by, kind="matches")
