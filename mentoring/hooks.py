"""What mentoring adds to a member's own page, export and erasure (members.hooks)."""

from mentoring.models import Approach, Match, MatchFeedback, Meeting, MentoringRequest, MentorOffer


def home_panel(member) -> dict:
    return {
        "matches": list(
            Match.objects.visible_to(member)
            .filter(status=Match.Status.ACTIVE)
            .select_related("mentor", "mentee")[:5]
        ),
        "waiting": Approach.objects.filter(mentor=member, status=Approach.Status.PENDING).count(),
    }


def export(member) -> dict:
    offer = MentorOffer.objects.filter(mentor=member).first()
    matches = Match.objects.visible_to(member).select_related("mentor", "mentee")
    return {
        "offer": {
            "offer": offer.offer,
            "capacity": offer.capacity,
            "paused": offer.paused,
            "areas": list(offer.areas.values_list("name", flat=True)),
        }
        if offer
        else None,
        "requests": [
            {
                "goals": request.goals,
                "status": request.get_status_display(),
                "created_at": request.created_at.isoformat(),
            }
            for request in MentoringRequest.objects.filter(mentee=member)
        ],
        "relationships": [
            {
                "role": "mentor" if match.mentor_id == member.pk else "mentee",
                "with": (
                    match.mentee if match.mentor_id == member.pk else match.mentor
                ).display_name,
                "goals": match.goals,
                "status": match.get_status_display(),
                "meetings": [
                    {"date": meeting.met_on.isoformat(), "notes": meeting.notes}
                    for meeting in match.meetings.all()
                ],
            }
            for match in matches
        ],
    }


def erase(member) -> None:
    """Their offer, requests, goals, messages and notes go; the other person keeps the dates they
    met. Requests waiting on them pass to the mentee's next choice."""
    from mentoring.services import _send_next

    MentorOffer.objects.filter(mentor=member).delete()
    own = MentoringRequest.objects.filter(mentee=member)
    Approach.objects.filter(request__in=own).exclude(status=Approach.Status.ACCEPTED).update(
        status=Approach.Status.WITHDRAWN
    )
    own.filter(status=MentoringRequest.Status.OPEN).update(status=MentoringRequest.Status.WITHDRAWN)
    own.update(goals="")
    for approach in Approach.objects.filter(
        mentor=member, status__in=[Approach.Status.PENDING, Approach.Status.QUEUED]
    ).select_related("request"):
        was_pending = approach.status == Approach.Status.PENDING
        approach.status = Approach.Status.WITHDRAWN
        approach.save(update_fields=["status"])
        if was_pending:
            _send_next(approach.request)
    Approach.objects.filter(mentor=member).update(message="")
    relationships = Match.objects.visible_to(member)
    relationships.filter(status=Match.Status.ACTIVE).update(status=Match.Status.CLOSED)
    relationships.update(goals="")
    Meeting.objects.filter(match__in=relationships).update(notes="")
    MatchFeedback.objects.filter(member=member).update(changed="")
