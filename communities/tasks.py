from celery import shared_task

from communities.models import Community, Membership
from communities.services import digest_collect, digests_waiting, each_post_readers
from members.models import User


@shared_task
def collect_digest(membership_id: int) -> str:
    """Put the member's next digest e-mail in the outbox (communities.services.digest_collect);
    a long backlog comes in several."""
    outcome, more = digest_collect(membership_id=membership_id)
    if more:
        collect_digest.delay(membership_id)
    return outcome


def post_digests_ask(*, community: Community, author: User) -> None:
    """After a post commits, members who want every post get it within moments; the sweep
    (collect_post_digests) catches any whose task the queue loses."""
    readers = each_post_readers(community=community, author=author)
    for membership_id in readers.values_list("pk", flat=True):
        # After the commit margin, so that the post is inside the e-mail's window.
        collect_digest.apply_async_on_commit((membership_id,), countdown=15)


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
