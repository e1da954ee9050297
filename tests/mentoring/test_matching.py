"""The score of a pair and the best pairing of a cohort: plain numbers, no database."""

import itertools
import random
from dataclasses import replace

import numpy as np
import pytest

from mentoring.matching import (
    MEETING,
    Mentor,
    Needs,
    cohort_assignment,
    greedy_assignment,
    match_score,
    score_matrix,
)
from mentoring.models import Format
from tooling.bench_cohort import synthetic


def test_nobody_is_matched_with_themselves_or_a_full_mentor():
    needs = Needs(member_id=1, organisation_id=None, sector="", region="", area_ids=frozenset({1}))
    mentor = Mentor(
        member_id=1,
        organisation_id=None,
        sector="",
        region="",
        area_ids=frozenset({1}),
        format="either",
        free=1,
    )

    assert match_score(needs, mentor) is None
    assert match_score(needs, Mentor(**{**mentor.__dict__, "member_id": 2, "free": 0})) is None


def test_a_reason_names_the_way_of_meeting_as_the_forms_offer_it():
    assert {value: label.lower() for value, label in Format.choices} == MEETING
    needs = Needs(
        member_id=1,
        organisation_id=None,
        sector="",
        region="",
        area_ids=frozenset(),
        format="online",
    )
    mentor = Mentor(
        member_id=2,
        organisation_id=None,
        sector="",
        region="",
        area_ids=frozenset(),
        format="in_person",
        free=1,
    )

    assert "prefers meeting in person" in match_score(needs, mentor)[1]


# --- cohorts --------------------------------------------------------------------------------


def brute_force_best(needs, mentors) -> float:
    """Every way of giving each mentee one mentor or none, within capacities: the best total."""
    options = [None, *range(len(mentors))]
    best = 0.0
    for choice in itertools.product(options, repeat=len(needs)):
        used = [choice.count(index) for index in range(len(mentors))]
        if any(used[index] > mentors[index].free for index in range(len(mentors))):
            continue
        total, possible = 0.0, True
        for mentee, index in zip(needs, choice, strict=True):
            if index is None:
                continue
            scored = match_score(mentee, mentors[index])
            if scored is None:
                possible = False
                break
            total += scored[0]
        if possible:
            best = max(best, total)
    return best


@pytest.mark.parametrize("seed", range(60))
def test_cohort_matching_is_optimal_and_never_worse_than_greedy(seed):
    chooser = random.Random(seed)

    def areas():
        return frozenset(chooser.sample(range(6), chooser.randint(1, 3)))

    needs = [
        Needs(
            member_id=100 + n,
            organisation_id=chooser.randint(1, 3),
            sector="nhs",
            region=chooser.choice(["north", "east"]),
            area_ids=areas(),
            same_region=chooser.random() < 0.5,
            format=chooser.choice(["online", "in_person", "either"]),
        )
        for n in range(5)
    ]
    mentors = [
        Mentor(
            member_id=200 + n,
            organisation_id=chooser.randint(1, 3),
            sector="council",
            region=chooser.choice(["north", "east"]),
            area_ids=areas(),
            format="either",
            free=chooser.randint(1, 2),
        )
        for n in range(3)
    ]

    pairs = cohort_assignment(needs, mentors)
    total = sum(score for _, _, score, _ in pairs)

    assert total == pytest.approx(brute_force_best(needs, mentors))
    assert total >= greedy_assignment(needs, mentors) - 1e-9
    used = [sum(1 for _, index, _, _ in pairs if index == m) for m in range(len(mentors))]
    assert all(used[m] <= mentors[m].free for m in range(len(mentors)))


def test_the_score_matrix_gives_every_pair_the_score_match_score_gives():
    needs, mentors = synthetic(80, 30, seed=7)
    mentors[0] = replace(mentors[0], free=0)  # no place left: cannot be paired
    mentors[1] = replace(mentors[1], member_id=needs[0].member_id)  # oneself

    matrix = score_matrix(needs, mentors)

    for row, mentee in enumerate(needs):
        for column, mentor in enumerate(mentors):
            scored = match_score(mentee, mentor)
            if scored is None:
                assert np.isnan(matrix[row, column])
            else:
                assert matrix[row, column] == pytest.approx(scored[0])
