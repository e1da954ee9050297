from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from communities.models import Invitation, Membership
from communities.services import digest_posts

DIGEST_BATCH = 100
# A post's time is set before its transaction commits: a window that stops this far back leaves
# a post still being saved for the next e-mail instead of skipping it.
COMMIT_MARGIN = timedelta(seconds=10)
INVITATION_GRACE = timedelta(minutes=2)

SUBJECTS = {
    Membership.Digest.EACH: "New in {community}",
    Membership.Digest.DAILY: "Today in {community}",
    Membership.Digest.WEEKLY: "This week in {community}",
}


@shared_task(bind=True, max_retries=5, retry_backoff=True, retry_jitter=True)
def send_digest(self, membership_id: int) -> str:
    """E-mail a member the posts they have not been sent yet: never one twice."""
    membership = (
        Membership.objects.select_related("community", "member").filter(pk=membership_id).first()
    )
    if membership is None or membership.digest == Membership.Digest.NONE:
        return "no digest wanted"
    after, until = membership.digest_sent_until, timezone.now() - COMMIT_MARGIN
    if until <= after:
        return "nothing new"
    posts = list(digest_posts(membership, after=after, until=until)[: DIGEST_BATCH + 1])
    more = len(posts) > DIGEST_BATCH
    if more:
        posts = posts[:DIGEST_BATCH]
        until = posts[-1].created_at
    # Claim the window before sending: a parallel or repeated task finds it taken. An empty
    # window is claimed too, so the sweep stops asking about it.
    claimed = Membership.objects.filter(pk=membership_id, digest_sent_until=after).update(
        digest_sent_until=until
    )
    if not claimed:
        return "already sent"
    if not posts:
        return "nothing new"
    community = membership.community
    context = {
        "member": membership.member,
        "community": community,
        "posts": posts,
        "community_link": f"{settings.SITE_URL}{community.get_absolute_url()}",
        "site_url": settings.SITE_URL,
        "site_name": settings.SITE_NAME,
    }
    try:
        send_mail(
            subject=f"[{settings.SITE_NAME}] "
            + SUBJECTS[membership.digest].format(community=community.name),
            message=render_to_string("communities/email/digest.txt", context),
            from_email=None,
            recipient_list=[membership.member.email],
        )
    except OSError as error:
        # Give the window back so that the retry sends it.
        Membership.objects.filter(pk=membership_id, digest_sent_until=until).update(
            digest_sent_until=after
        )
        raise self.retry(exc=error, countdown=60 * 2**self.request.retries) from error
    if more:
        send_digest.delay(membership_id)
    return f"sent {len(posts)}"


def _enqueue_digests(frequency: str) -> int:
    waiting = Membership.objects.filter(
        digest=frequency,
        community__last_activity_at__gt=F("digest_sent_until"),
        member__is_active=True,
    ).values_list("pk", flat=True)
    count = 0
    for membership_id in waiting.iterator():
        send_digest.delay(membership_id)
        count += 1
    return count


@shared_task
def send_post_emails() -> int:
    """Beat, every few minutes: the 'each post' e-mails that the queue may have lost."""
    return _enqueue_digests(Membership.Digest.EACH)


@shared_task
def send_daily_digests() -> int:
    return _enqueue_digests(Membership.Digest.DAILY)


@shared_task
def send_weekly_digests() -> int:
    return _enqueue_digests(Membership.Digest.WEEKLY)


@shared_task(bind=True, max_retries=5, retry_backoff=True)
def send_invitation_email(self, invitation_id: int) -> str:
    now = timezone.now()
    claimed = Invitation.objects.filter(pk=invitation_id, emailed_at__isnull=True).update(
        emailed_at=now
    )
    if not claimed:
        return "already sent"
    invitation = Invitation.objects.select_related("community", "invited_by").get(pk=invitation_id)
    context = {
        "invitation": invitation,
        "link": f"{settings.SITE_URL}/communities/invitations/{invitation.token}/",
        "site_name": settings.SITE_NAME,
    }
    try:
        send_mail(
            subject=f"[{settings.SITE_NAME}] You are invited to join {invitation.community.name}",
            message=render_to_string("communities/email/invitation.txt", context),
            from_email=None,
            recipient_list=[invitation.email],
        )
    except OSError as error:
        Invitation.objects.filter(pk=invitation_id, emailed_at=now).update(emailed_at=None)
        raise self.retry(exc=error) from error
    return "sent"


@shared_task
def send_invitation_emails() -> int:
    """Beat, every few minutes: invitations whose e-mail the queue lost (Redis was down when
    they were made). A few minutes' grace leaves the task on its way alone."""
    now = timezone.now()
    waiting = Invitation.objects.filter(
        emailed_at__isnull=True,
        accepted_at__isnull=True,
        expires_at__gt=now,
        created_at__lt=now - INVITATION_GRACE,
    ).values_list("pk", flat=True)[:500]
    for invitation_id in waiting:
        send_invitation_email.delay(invitation_id)
    return len(waiting)
