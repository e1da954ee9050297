"""What insights adds to a member's data export and erasure (members.hooks). Published stories
stay after an account closes, told by "a former member", as posts in communities do."""

from insights.models import Story


def export(member) -> list[dict]:
    return [
        {
            "title": story.title,
            "what_changed": story.change,
            "where": story.place,
            "result": story.result,
            "status": story.get_status_display(),
            "created_at": story.created_at.isoformat(),
        }
        for story in Story.objects.filter(author=member).order_by("created_at")
    ]


def erase(member) -> None:
    """Stories not yet published go with the account; published ones stay, untold by whom."""
    Story.objects.filter(author=member).exclude(status=Story.Status.PUBLISHED).delete()
