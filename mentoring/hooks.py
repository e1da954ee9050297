"""What mentoring adds to a member's own page, export and erasure (members.hooks)."""

from mentoring.models import Approach, Match, MatchFeedback, Meeting, MentoringRequest, MentorOffer
from mentoring.services import member_leaves


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
    offer = MentorOffer.objects.filter(mentor=member).prefetch_related("areas").first()
    matches = (
        Match.objects.visible_to(member)
        .select_related("mentor", "mentee")
        .prefetch_related("meetings__logged_by", "feedback")
    )
    return {
        "offer": {
            "offer": offer.offer,
            "areas": [area.name for area in offer.areas.all()],
            "capacity": offer.capacity,
            "format": offer.get_format_display(),
            "availability": offer.availability,
            "paused": offer.paused,
            "created_at": offer.created_at.isoformat(),
        }
        if offer
        else None,
        "requests": [
            {
                "goals": request.goals,
                "areas": [area.name for area in request.areas.all()],
                "preferences": {
                    "someone from a different organisation": request.prefer_other_organisation,
                    "someone from a different sector": request.prefer_other_sector,
                    "someone in my region": request.prefer_same_region,
                    "format": request.get_format_display(),
                },
                "status": request.get_status_display(),
                "created_at": request.created_at.isoformat(),
                "mentors_asked": [
                    {
                        "mentor": approach.mentor.display_name,
                        "order": approach.rank,
                        "status": approach.get_status_display(),
                        "their_message": approach.message,
                        "answered_at": approach.answered_at.isoformat()
                        if approach.answered_at
                        else None,
                    }
                    for approach in request.approaches.all()
                ],
            }
            for request in MentoringRequest.objects.filter(mentee=member).prefetch_related(
                "areas", "approaches__mentor"
            )
        ],
        "requests_to_me": [
            {
                "from": approach.request.mentee.display_name,
                "status": approach.get_status_display(),
                "my_message": approach.message,
                "sent_at": approach.sent_at.isoformat() if approach.sent_at else None,
            }
            for approach in Approach.objects.filter(mentor=member)
            .exclude(status=Approach.Status.QUEUED)
            .select_related("request__mentee")
        ],
        "relationships": [
            {
                "role": "mentor" if match.mentor_id == member.pk else "mentee",
                "with": (
                    match.mentee if match.mentor_id == member.pk else match.mentor
                ).display_name,
                "goals": match.goals,
                "status": match.get_status_display(),
                "started_at": match.started_at.isoformat(),
                "planned_end": match.ends_on.isoformat() if match.ends_on else None,
                "meetings": [
                    {
                        "date": meeting.met_on.isoformat(),
                        "notes": meeting.notes,
                        "logged_by": meeting.logged_by.display_name,
                    }
                    for meeting in match.meetings.all()
                ],
                "my_feedback": [
                    {"helped": given.helped, "rating": given.rating, "what_changed": given.changed}
                    for given in match.feedback.all()
                    if given.member_id == member.pk
                ],
            }
            for match in matches
        ],
    }


def erase(member) -> None:
    """Their offer, requests, goals, messages and notes go; the other person keeps the dates they
    met. Requests waiting on them pass to the mentee's next choice (mentoring.services)."""
    member_leaves(member=member)
    relationships = Match.objects.visible_to(member)
    relationships.filter(status=Match.Status.ACTIVE).update(status=Match.Status.CLOSED)
    relationships.update(goals="")
    Meeting.objects.filter(match__in=relationships).update(notes="")
    MatchFeedback.objects.filter(member=member).update(changed="")
