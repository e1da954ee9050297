"""Matching mentees with mentors: the score of a pair and the best pairing of a cohort.

Plain numbers and sets only (numpy and scipy for cohorts), no database: the services read the
members' needs and offers into Needs and Mentor, and the benchmark (tooling.bench_cohort) times
the same functions on made-up people.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

# The ways of meeting (the values of mentoring.models.Format), as a reason names them.
EITHER = "either"
MEETING = {"in_person": "in person", "online": "online", EITHER: "either"}


# --- one score for single suggestions and for cohorts ---------------------------------------


@dataclass(frozen=True)
class Needs:
    """What a mentee asks for."""

    member_id: int
    organisation_id: int | None
    sector: str
    region: str
    area_ids: frozenset[int]
    other_organisation: bool = True
    other_sector: bool = False
    same_region: bool = False
    format: str = EITHER


@dataclass(frozen=True)
class Mentor:
    """What a mentor offers, and how many places are free."""

    member_id: int
    organisation_id: int | None
    sector: str
    region: str
    area_ids: frozenset[int]
    format: str
    free: int


def match_score(needs: Needs, mentor: Mentor) -> tuple[float, list[str]] | None:
    """How well a mentor fits a mentee, and why; None when they cannot be paired."""
    if mentor.member_id == needs.member_id or mentor.free <= 0:
        return None
    score, reasons = 0.0, []
    shared = len(needs.area_ids & mentor.area_ids)
    if shared:
        score += 3 * shared
        reasons.append(f"shares {shared} of your {len(needs.area_ids)} areas")
    if needs.organisation_id and mentor.organisation_id:
        if needs.organisation_id != mentor.organisation_id:
            score += 2 if needs.other_organisation else 0.5
            reasons.append("different organisation")
        elif needs.other_organisation:
            score -= 2
            reasons.append("same organisation")
    if needs.other_sector and needs.sector and mentor.sector and needs.sector != mentor.sector:
        score += 1.5
        reasons.append("different sector")
    if needs.same_region and needs.region and needs.region == mentor.region:
        score += 1.5
        reasons.append("same region")
    if EITHER in (needs.format, mentor.format) or needs.format == mentor.format:
        score += 0.5
    else:
        score -= 1
        reasons.append(f"prefers meeting {MEETING[mentor.format]}")
    score += 0.25 * min(mentor.free, 3)
    reasons.append(f"{mentor.free} place{'s' if mentor.free != 1 else ''} free")
    return score, reasons


# --- cohorts: the best pairing overall -------------------------------------------------------


def score_matrix(needs: list[Needs], mentors: list[Mentor]) -> np.ndarray:
    """match_score for every mentee (rows) and mentor (columns) at once, without the reasons;
    NaN where a pair cannot be made. The same rules, in numpy: scoring 3,000 mentees against
    600 mentors one call at a time took seconds."""

    def column(values, dtype=object):
        return np.array(values, dtype=dtype)

    areas = sorted({area for person in [*needs, *mentors] for area in person.area_ids})
    position = {area: index for index, area in enumerate(areas)}

    def area_matrix(people):
        matrix = np.zeros((len(people), len(areas)), dtype=np.int32)
        for row, person in enumerate(people):
            for area in person.area_ids:
                matrix[row, position[area]] = 1
        return matrix

    shared = area_matrix(needs) @ area_matrix(mentors).T
    score = 3.0 * shared

    mentee_org = column([n.organisation_id or 0 for n in needs], np.int64)[:, None]
    mentor_org = column([m.organisation_id or 0 for m in mentors], np.int64)[None, :]
    other_org = column([n.other_organisation for n in needs], bool)[:, None]
    both_known = (mentee_org != 0) & (mentor_org != 0)
    differ = mentee_org != mentor_org
    score += np.where(both_known & differ, np.where(other_org, 2.0, 0.5), 0.0)
    score += np.where(both_known & ~differ & other_org, -2.0, 0.0)

    mentee_sector = column([n.sector or "" for n in needs])[:, None]
    mentor_sector = column([m.sector or "" for m in mentors])[None, :]
    other_sector = column([n.other_sector for n in needs], bool)[:, None]
    score += np.where(
        other_sector
        & (mentee_sector != "")
        & (mentor_sector != "")
        & (mentee_sector != mentor_sector),
        1.5,
        0.0,
    )

    mentee_region = column([n.region or "" for n in needs])[:, None]
    mentor_region = column([m.region for m in mentors])[None, :]
    same_region = column([n.same_region for n in needs], bool)[:, None]
    score += np.where(
        same_region & (mentee_region != "") & (mentee_region == mentor_region), 1.5, 0
    )

    mentee_format = column([n.format for n in needs])[:, None]
    mentor_format = column([m.format for m in mentors])[None, :]
    suits = (mentee_format == EITHER) | (mentor_format == EITHER)
    score += np.where(suits | (mentee_format == mentor_format), 0.5, -1.0)

    free = column([m.free for m in mentors], np.int64)[None, :]
    score = score + 0.25 * np.minimum(free, 3)
    itself = (
        column([n.member_id for n in needs], np.int64)[:, None]
        == column([m.member_id for m in mentors], np.int64)[None, :]
    )
    return np.where(itself | (free <= 0), np.nan, score)


def cohort_assignment(needs: list[Needs], mentors: list[Mentor]):
    """The best overall pairing: each mentor as many times as their free places, one mentor per
    mentee, the total score as high as it can be (an optimal assignment over capacity slots).

    Returns [(mentee index, mentor index, score, reasons)] for the mentees who get a mentor.
    """
    slots = [index for index, mentor in enumerate(mentors) for _ in range(max(mentor.free, 0))]
    if not needs or not slots:
        return []
    # A pair that scores nothing or less (or cannot be made) is worth the same as no pair: at
    # 0 the assignment may place a mentee there, and such places are dropped below. This
    # keeps the matrix mentees by slots; a "no mentor" column for each mentee made it three
    # times as wide and the assignment seven times slower.
    scores = np.nan_to_num(score_matrix(needs, mentors), nan=0.0).clip(min=0)[:, slots]
    rows, columns = linear_sum_assignment(scores, maximize=True)
    pairs = []
    for row, column in zip(rows, columns, strict=True):
        if scores[row, column] > 0:
            mentor_index = slots[column]
            score, reasons = match_score(needs[row], mentors[mentor_index])
            pairs.append((row, mentor_index, score, reasons))
    return pairs


def greedy_assignment(needs: list[Needs], mentors: list[Mentor]) -> float:
    """The baseline: each mentee in turn takes the best mentor left. Returns the total."""
    free = [mentor.free for mentor in mentors]
    total = 0.0
    for mentee in needs:
        best = None
        for index, mentor in enumerate(mentors):
            if free[index] <= 0:
                continue
            scored = match_score(mentee, mentor)
            if scored and scored[0] > 0 and (best is None or scored[0] > best[1]):
                best = (index, scored[0])
        if best:
            free[best[0]] -= 1
            total += best[1]
    return total
