"""What events add to a member's own page, profile, export and erasure (members.hooks)."""

from django.utils import timezone

from events.models import CalendarFeed, Event, Feedback, Registration, RegistrationAnswer
from events.services import HOLDS_A_PLACE


def home_panel(member) -> dict:
    upcoming = (
        Registration.objects.filter(member=member, event__ends_at__gt=timezone.now())
        .exclude(status=Registration.Status.CANCELLED)
        .select_related("event")
        .order_by("event__starts_at")[:5]
    )
    return {"registrations": list(upcoming)}


def profile_panel(member, viewer) -> dict | None:
    """Events the member will attend that the viewer may see (registered only with the
    member's consent: members.hooks leaves this panel out when they chose not to show it)."""
    events = list(
        Event.objects.visible_to(viewer)
        .filter(
            registrations__member=member,
            registrations__status__in=HOLDS_A_PLACE,
            ends_at__gt=timezone.now(),
        )
        .order_by("starts_at")[:10]
    )
    return {"events": events} if events else None


def export(member) -> list[dict]:
    registrations = (
        Registration.objects.filter(member=member)
        .select_related("event")
        .prefetch_related("answers__question")
    )
    feedback = {
        given.registration_id: given
        for given in Feedback.objects.filter(registration__member=member)
    }
    return [
        {
            "event": registration.event.title,
            "starts_at": registration.event.starts_at.isoformat(),
            "status": registration.get_status_display(),
            "attended": registration.attended,
            "checked_in_at": registration.checked_in_at.isoformat()
            if registration.checked_in_at
            else None,
            "registered_at": registration.created_at.isoformat(),
            "feedback": {
                "rating": feedback[registration.pk].rating,
                "useful": feedback[registration.pk].useful,
                "change": feedback[registration.pk].change,
            }
            if registration.pk in feedback
            else None,
            "answers": [
                {"question": answer.question.text, "answer": answer.answer}
                for answer in sorted(
                    registration.answers.all(),
                    key=lambda answer: (answer.question.position, answer.question_id),
                )
            ],
        }
        for registration in registrations
    ]


def erase(member) -> None:
    """Places go (a confirmed place passes to the waiting list), and every answer the member gave
    to an event's questions (access or dietary needs among them); feedback stays anonymous."""
    from events.services import registration_cancel

    # Event by event in the order of base.locking, each cancellation locking its event.
    for registration in (
        Registration.objects.filter(
            member=member,
            status__in=[*HOLDS_A_PLACE, Registration.Status.WAITING],
            event__starts_at__gt=timezone.now(),
            # A cancelled event's places stay as they were; the account's rows go with it.
            event__cancelled_at__isnull=True,
        )
        .select_related("event")
        .order_by("event_id")
    ):
        registration_cancel(event=registration.event, member=member, tell=False)
    RegistrationAnswer.objects.filter(registration__member=member).delete()
    CalendarFeed.objects.filter(member=member).delete()


def topic_saved(sender, instance, created, **kwargs) -> None:
    if not created:
        from events.services import events_index

        events_index(instance.events.all())
