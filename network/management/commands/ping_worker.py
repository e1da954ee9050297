import time
import uuid

from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError

from network.tasks import ping, ping_key


class Command(BaseCommand):
    help = "Send a task through the broker and wait until a Celery worker has run it."

    def add_arguments(self, parser):
        parser.add_argument(
            "--timeout", type=float, default=30, help="seconds to wait (default 30)"
        )

    def handle(self, *args, timeout, **options):
        token = uuid.uuid4().hex
        started = time.monotonic()
        ping.delay(token)
        while time.monotonic() - started < timeout:
            if cache.get(ping_key(token)):
                elapsed = time.monotonic() - started
                self.stdout.write(self.style.SUCCESS(f"A worker ran the task in {elapsed:.1f} s."))
                return
            time.sleep(0.1)
        raise CommandError(f"No worker ran the task within {timeout:g} s: is a worker running?")
