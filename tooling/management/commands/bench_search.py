"""Time the network-wide search on a large network (see seed_scale): the results page and the
suggestions, for a mix of topics, slips, names and odd queries, as a member.

    DATABASE_URL=postgres://…/network_bench REDIS_URL=redis://…/5 python manage.py bench_search
"""

import statistics
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test import Client
from django.urls import reverse

from members.models import User

QUERIES = [
    "frailty",
    "discharge planning",
    "dementai",  # a slip: corrected
    "medicines safety",
    "huddles",
    '"pressure ulcers"',
    "mentor",
    "palliative care at home",
    "Campbell",
    "wellbeing -staff",
    "reablement",
    "sepsis deterioration",
]
TYPED = ["ca", "camp", "morr", "frail", "dem"]


def percentile(timings: list[float], share: float) -> float:
    ordered = sorted(timings)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


class Command(BaseCommand):
    help = "Time /search/ and its suggestions on the current database."

    def add_arguments(self, parser):
        parser.add_argument("--rounds", type=int, default=10)

    def handle(self, *args, rounds, **options):
        if rounds < 1:
            raise CommandError("--rounds must be at least 1.")
        member = User.objects.filter(profile__isnull=False, is_staff=False).order_by("pk").first()
        if member is None:
            raise CommandError("No members here: run seed_scale (or seed_demo) first.")
        client = Client(HTTP_HOST=settings.ALLOWED_HOSTS[0].lstrip("."))
        client.force_login(member)
        rows = []
        for label, address, texts in [
            ("results page", reverse("search"), QUERIES),
            ("suggestions", reverse("search_suggest"), TYPED),
        ]:
            client.get(address, {"q": texts[0]})  # templates and connections warm
            timings = []
            for _ in range(rounds):
                for text in texts:
                    started = time.perf_counter()
                    response = client.get(address, {"q": text})
                    timings.append((time.perf_counter() - started) * 1000)
                    if response.status_code != 200:
                        raise CommandError(f"{address}?q={text} answered {response.status_code}.")
            rows.append(
                (label, len(timings), statistics.median(timings), percentile(timings, 0.95))
            )
        self.stdout.write("| search | requests | median (ms) | p95 (ms) |")
        self.stdout.write("|---|---|---|---|")
        for label, count, median, p95 in rows:
            self.stdout.write(f"| {label} | {count} | {median:.0f} | {p95:.0f} |")
