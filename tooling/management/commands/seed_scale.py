"""Build a national-scale network for the benchmarks, into a database of its own.

    createdb network_bench
    DATABASE_URL=postgres://…/network_bench python manage.py migrate
    DATABASE_URL=postgres://…/network_bench python manage.py seed_scale

It refuses a database that already has members: the benchmark data must never mix with real or
demo people.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from members.models import User
from tooling.scale import Size, seed_scale


class Command(BaseCommand):
    help = "Build a large fictional network (20,000 members by default) for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument(
            "--factor", type=float, default=1.0, help="scale every count, e.g. 0.1 for a tenth"
        )
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, factor, seed, **options):
        if User.objects.exists():
            raise CommandError(
                "This database has members already. seed_scale builds its network in an empty, "
                "migrated database of its own (see the command's help)."
            )
        if factor <= 0:
            raise CommandError("--factor must be above 0.")
        size = Size().scaled(factor)
        started = time.perf_counter()
        seed_scale(size, seed=seed, say=self.stdout.write)
        self.stdout.write(
            self.style.SUCCESS(
                f"Built {size.members} members and a year of activity "
                f"in {time.perf_counter() - started:.0f} s."
            )
        )
