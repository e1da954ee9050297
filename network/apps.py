from django.apps import AppConfig


class NetworkConfig(AppConfig):
    """The project itself: settings, addresses, the Celery app and the pages of no app."""

    name = "network"
    verbose_name = "Network"
