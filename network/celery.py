import logging
import os

from celery import Celery
from celery.contrib.django.task import DjangoTask
from kombu.exceptions import OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "network.settings")

logger = logging.getLogger(__name__)


class NetworkTask(DjangoTask):
    """A task whose sending never fails the member's request.

    With the broker down, the work is already recorded in Postgres as still to do (an e-mail
    queued in the outbox, a bulletin's copies among them) and a beat sweep sends it once Redis
    is back;
    raising here would only turn a saved change into an error page.
    """

    def apply_async(self, *args, **kwargs):
        try:
            return super().apply_async(*args, **kwargs)
        except OperationalError as error:
            logger.warning(
                "%s not queued, broker unreachable (%s): left to its sweep", self.name, error
            )
            return None


app = Celery("network", task_cls=NetworkTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
