from celery import shared_task
from django.utils import timezone


@shared_task
def clear_expired_sessions() -> int:
    """Beat, nightly: sessions past their expiry hold a member's id for nothing."""
    from members.models import MemberSession

    deleted, _ = MemberSession.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
