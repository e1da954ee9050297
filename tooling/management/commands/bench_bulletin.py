"""The bulletin fan-out against a local SMTP sink (measured in tooling/bench_bulletin.py)."""

import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from bulletins.models import Bulletin
from tooling.bench_bulletin import run


class Command(BaseCommand):
    help = "Benchmark the bulletin fan-out through Celery against a plain smtplib loop."

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=20_000)
        parser.add_argument("--concurrency", type=int, default=os.cpu_count() or 2)
        parser.add_argument("--force", action="store_true", help="run even with DEBUG off")

    def handle(self, *args, members, concurrency, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "bench_bulletin adds fictional members; run it on a scratch database."
            )
        if Bulletin.objects.filter(status=Bulletin.Status.SENDING).exists():
            raise CommandError("A bulletin is being sent in this database; use a scratch one.")
        self.stdout.write(f"Preparing {members} subscribed members…")
        result = run(members, concurrency)
        celery_rate, plain_rate = result["celery_rate"], result["plain_rate"]
        delivered, duplicates = result["delivered"], result["duplicates"]
        ratio = celery_rate / plain_rate if plain_rate else 0
        self.stdout.write("")
        self.stdout.write("| path | messages | per second |")
        self.stdout.write("|---|---|---|")
        self.stdout.write(
            f"| bulletin through Celery ({concurrency} processes) "
            f"| {delivered} | {celery_rate:.0f} |"
        )
        self.stdout.write(
            f"| plain smtplib loop, one connection | {result['members']} | {plain_rate:.0f} |"
        )
        self.stdout.write(
            f"\nCelery reaches {ratio:.0%} of the plain loop; {duplicates} duplicates."
        )
        if duplicates or delivered != result["members"]:
            raise CommandError("Some members were sent the bulletin twice, or not at all.")
