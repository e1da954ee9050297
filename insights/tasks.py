from celery import shared_task
from django.core.cache import cache

from insights import services


@shared_task(soft_time_limit=20 * 60, time_limit=25 * 60)
def refresh_network_analysis() -> int:
    """Beat: keep the network analysis warm, so no member waits for it."""
    return services.network_bridging_refresh()["result"]["ties"]


@shared_task(soft_time_limit=9 * 60, time_limit=10 * 60)
def refresh_figures() -> int:
    """Beat: work out the network-wide figures for each period before anyone asks, so the
    dashboard's usual views are read from the cache."""
    return services.figures_refresh()


def network_analysis_ask() -> None:
    """A page found no network analysis: ask a worker for one, once (the lock), while the page
    says it is being prepared. A national network's graph takes minutes to analyse, so no page
    request ever does it: beat refreshes it every 20 minutes."""
    if cache.add(services.BRIDGING_LOCK, True, services.BRIDGING_LOCK_SECONDS):
        refresh_network_analysis.delay_on_commit()
