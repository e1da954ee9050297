"""Cohort matching against the greedy baseline (the measuring is in tooling/bench_cohort.py)."""

from django.core.management.base import BaseCommand

from tooling.bench_cohort import run


class Command(BaseCommand):
    help = "Cohort matching of many mentees and mentors: seconds and total score beside greedy."

    def add_arguments(self, parser):
        parser.add_argument("--mentees", type=int, default=3000)
        parser.add_argument("--mentors", type=int, default=600)

    def handle(self, *args, mentees, mentors, **options):
        result = run(mentees, mentors)
        self.stdout.write(
            f"{mentees} mentees, {mentors} mentors ({result['places']} places)\n"
            f"optimal: {result['pairs']} pairs, total score {result['total']:.1f}, "
            f"{result['seconds']:.1f} s\n"
            f"greedy:  total score {result['greedy_total']:.1f}, {result['greedy_seconds']:.1f} s"
        )
