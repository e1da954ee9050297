"""Time cohort matching at national scale against the greedy baseline (no database needed)."""

import random
import time

from mentoring.matching import Mentor, Needs, cohort_assignment, greedy_assignment


def synthetic(mentees: int, mentors: int, seed: int = 2026):
    chooser = random.Random(seed)  # noqa: S311 (a repeatable benchmark)
    regions, sectors = (
        ["north", "east", "west", "national"],
        ["nhs", "local_authority", "third_sector"],
    )

    def areas():
        return frozenset(chooser.sample(range(32), chooser.randint(1, 4)))

    needs = [
        Needs(
            member_id=n,
            organisation_id=chooser.randint(1, 300),
            sector=chooser.choice(sectors),
            region=chooser.choice(regions),
            area_ids=areas(),
            other_sector=chooser.random() < 0.3,
            same_region=chooser.random() < 0.4,
            format=chooser.choice(["either", "online", "in_person"]),
        )
        for n in range(mentees)
    ]
    offers = [
        Mentor(
            member_id=100_000 + n,
            organisation_id=chooser.randint(1, 300),
            sector=chooser.choice(sectors),
            region=chooser.choice(regions),
            area_ids=areas(),
            format=chooser.choice(["either", "online", "in_person"]),
            free=chooser.randint(1, 5),
        )
        for n in range(mentors)
    ]
    return needs, offers


def run(mentees: int, mentors: int) -> dict:
    needs, offers = synthetic(mentees, mentors)
    started = time.perf_counter()
    pairs = cohort_assignment(needs, offers)
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    greedy_total = greedy_assignment(needs, offers)
    return {
        "places": sum(mentor.free for mentor in offers),
        "pairs": len(pairs),
        "total": sum(score for _, _, score, _ in pairs),
        "seconds": seconds,
        "greedy_total": greedy_total,
        "greedy_seconds": time.perf_counter() - started,
    }
