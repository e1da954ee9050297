from celery import shared_task
from django.core.cache import cache
from django.utils import timezone


def ping_key(token: str) -> str:
    return f"worker-ping:{token}"


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def ping(token: str) -> None:
    """Proves a worker is consuming the queue: `manage.py ping_worker` waits for this mark."""
    cache.set(ping_key(token), timezone.now().isoformat(), timeout=300)
