from datetime import timedelta

from celery import shared_task
from django.db.models import Q
from django.utils import timezone

from members.services import notify
from mentoring.models import Approach, Match
from mentoring.services import approaches_expire

REMIND_AFTER = timedelta(days=3)
CHECK_IN_EVERY = timedelta(days=30)


@shared_task
def sweep_mentoring() -> dict:
    """Beat, hourly: remind mentors of unanswered requests, pass on expired ones, and check in
    with active pairs. Each reminder and check-in is claimed by its moment before it is sent."""
    now = timezone.now()
    reminded = 0
    for approach in Approach.objects.filter(
        status=Approach.Status.PENDING, reminded_at__isnull=True, sent_at__lte=now - REMIND_AFTER
    ).select_related("request__mentee", "mentor"):
        if Approach.objects.filter(pk=approach.pk, reminded_at__isnull=True).update(
            reminded_at=now
        ):
            notify(
                member=approach.mentor,
                kind="mentoring_reminder",
                url=approach.request.get_absolute_url(),
                message="is waiting for your answer",
                by=approach.request.mentee,
            )
            reminded += 1
    checked = 0
    due = Q(last_check_in_at__lte=now - CHECK_IN_EVERY) | Q(
        last_check_in_at__isnull=True, started_at__lte=now - CHECK_IN_EVERY
    )
    for match in Match.objects.filter(due, status=Match.Status.ACTIVE).select_related(
        "mentor", "mentee"
    ):
        claimed = Match.objects.filter(pk=match.pk, last_check_in_at=match.last_check_in_at).update(
            last_check_in_at=now
        )
        if claimed:
            for person in (match.mentor, match.mentee):
                notify(
                    member=person,
                    kind="mentoring_check_in",
                    url=match.get_absolute_url(),
                    message="How is your mentoring going? Log your latest meeting.",
                )
            checked += 1
    return {"reminded": reminded, "expired": approaches_expire(), "checked_in": checked}
