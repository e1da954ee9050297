"""Time the insights dashboard on a large network (see seed_scale): every measure worked out
afresh, then the page as a coordinator sees it, from the cache and without it.

    DATABASE_URL=postgres://…/network_bench REDIS_URL=redis://…/5 python manage.py bench_insights

Give it a Redis database of its own too: the figures it works out are cached, and a site on the
same Redis would show them.
"""

import statistics
import time

from django.conf import settings
from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from communities.models import Community
from insights import measures, services
from members.models import User
from members.roles import ANY_MEMBER, COORDINATORS


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


class Command(BaseCommand):
    help = "Time the insights figures and dashboard on the current database."

    def add_arguments(self, parser):
        parser.add_argument("--requests", type=int, default=20)

    def handle(self, *args, requests, **options):
        if requests < 1:
            raise CommandError("--requests must be at least 1.")
        coordinator = User.objects.filter(groups__name=COORDINATORS).order_by("pk").first()
        if coordinator is None:
            raise CommandError("No coordinator here: run seed_scale (or seed_demo) first.")
        members = services.member_profiles().count()
        self.stdout.write(f"{members} members. Each measure worked out afresh (ms):")
        period = measures.Period(12, timezone.localdate())
        for measure in measures.MEASURES:
            spent = timed(lambda m=measure: m.compute(period, measures.EVERYONE))
            self.stdout.write(f"  {measure.key:32} {spent:8.0f}")

        client = Client(HTTP_HOST=settings.ALLOWED_HOSTS[0].lstrip("."))
        client.force_login(coordinator)
        dashboard = reverse("insights:dashboard")

        def page(query=None):
            response = client.get(dashboard, query or {})
            if response.status_code != 200:
                raise CommandError(f"The dashboard answered {response.status_code}.")

        rows = []
        community = Community.objects.visible_to(ANY_MEMBER).first()
        if community is None:
            raise CommandError("No open or closed community here: run seed_scale first.")
        for label, query, months, scope in [
            ("whole network, 12 months", None, 12, measures.EVERYONE),
            ("one region, 12 months", {"region": "east"}, 12, measures.Scope("east")),
            (
                "one community, 3 months",
                {"community": community.pk, "months": 3},
                3,
                measures.Scope(community=community.pk),
            ),
        ]:
            # Only the figures are forgotten: the cache's Redis database also holds the queue.
            cache.delete_many([services.figures_key(months, scope), "insights:reach"])
            cold = timed(lambda q=query: page(q))
            warm = sorted(timed(lambda q=query: page(q)) for _ in range(requests))
            rows.append((label, cold, statistics.median(warm), warm[int(len(warm) * 0.95) - 1]))
        self.stdout.write("\n| dashboard | worked out afresh (ms) | from the cache: median | p95 |")
        self.stdout.write("|---|---|---|---|")
        for label, cold, median, p95 in rows:
            self.stdout.write(f"| {label} | {cold:.0f} | {median:.0f} | {p95:.0f} |")
