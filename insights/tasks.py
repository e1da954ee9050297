from celery import shared_task

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
