"""What insights adds to a member's data export and erasure (members.hooks). Published stories
stay after an account closes, told by "a former member", as posts in communities do."""

from insights.models import Story
from members.models import Notification


def export(member) -> list[dict]:
    return [
        {
            "title": story.title,
            "what_changed": story.change,
            "where": story.place,
            "result": story.result,
            "features": story.get_features_display(),
            "community_that_helped": story.community.name if story.community_id else None,
            "event_that_helped": story.event.title if story.event_id else None,
            "mentoring_helped": story.mentoring_helped,
            "chart_shown": f"{story.measure.project.title}: {story.measure.title}"
            if story.measure_id
            else None,
            "status": story.get_status_display(),
            "created_at": story.created_at.isoformat(),
        }
        for story in Story.objects.filter(author=member)
        .select_related("community", "event", "measure__project")
        .order_by("created_at")
    ]


def erase(member) -> None:
    """Stories not yet published go with the account; published ones stay, untold by whom. The
    cached network analysis forgets them at once."""
    from insights.services import bridging_forget

    untold = Story.objects.filter(author=member).exclude(status=Story.Status.PUBLISHED)
    for story in untold:
        # The coordinators' notices of a story that is gone lead nowhere.
        Notification.objects.filter(url=story.get_absolute_url()).delete()
    untold.delete()
    bridging_forget(member.pk)
