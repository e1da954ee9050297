from celery import shared_task

from communities.models import Membership
from communities.services import digest_collect, digests_waiting


@shared_task
def collect_digest(membership_id: int) -> str:
    """Put the member's next digest e-mail in the outbox (communities.services.digest_collect);
    a long backlog comes in several."""
    outcome, more = digest_collect(membership_id=membership_id)
    if more:
        collect_digest.delay(membership_id)
    return outcome


def _collect(frequency: str) -> int:
    count = 0
    for membership_id in digests_waiting(frequency).values_list("pk", flat=True).iterator():
        collect_digest.delay(membership_id)
        count += 1
    return count


@shared_task
def collect_post_digests() -> int:
    """Beat, every few minutes: the 'each post' e-mails whose task the queue may have lost."""
    return _collect(Membership.Digest.EACH)


@shared_task
def collect_daily_digests() -> int:
    return _collect(Membership.Digest.DAILY)


@shared_task
def collect_weekly_digests() -> int:
    return _collect(Membership.Digest.WEEKLY)
