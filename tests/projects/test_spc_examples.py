"""The chart engine against worked examples published with qicharts2, NHSRplotthedots and the
books and papers behind them: the same centre lines, limits and flagged points. Each example
says where it comes from. R's random numbers are written out in full (the values R gives for
the seed named), so the examples need no R."""

import itertools
import math
from datetime import date

import pytest

from projects.spc import (
    CSV_COLUMNS,
    IHI_RUNS_TABLE,
    Sample,
    analyse,
    anhoej_crossings_limit,
    anhoej_longest_run_limit,
    describe,
)


def months(count, year=2020, month=1):
    periods = []
    for _ in range(count):
        periods.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return periods


def series(values, year=2020, month=1):
    return [
        Sample(period=p, value=v)
        for p, v in zip(months(len(values), year, month), values, strict=False)
    ]


def flagged(analysis, rule):
    return [i for i, row in enumerate(analysis.rows) if rule in row.signals]


def rules_found(analysis):
    return sorted({signal.rule for signal in analysis.signals})


# R: set.seed(123); rnorm(20). NHSRplotthedots' tests (tests/testthat/test-ptd_spc.R,
# test-ptd_spc_standard.R) chart these as y against dates 2020-01-02 onwards.
SEED_123 = [
    -0.56047565,
    -0.23017749,
    1.55870831,
    0.07050839,
    0.12928774,
    1.71506499,
    0.46091621,
    -1.26506123,
    -0.68685285,
    -0.44566197,
    1.22408180,
    0.35981383,
    0.40077145,
    0.11068272,
    -0.55584113,
    1.78691314,
    0.49785048,
    -1.96661716,
    0.70135590,
    -0.47279141,
]

# R: set.seed(19); y <- rnorm(24); y[22] <- 4; y[13:24] <- rnorm(12, mean = 2). The qicharts2
# vignette ("Testing for special cause variation") and Anhøj & Wentzel-Larsen 2018, figure 1c.
SEED_19_SHIFTED = [
    -1.1894537452597231,
    0.38858122963255265,
    -0.3443333492107247,
    -0.5478961384182948,
    0.9806622157501913,
    -0.23664600727285193,
    0.8097397043477147,
    -0.7447795286640413,
    -0.25978701312709895,
    -0.18308383041021473,
    0.5186299876129051,
    0.8834651007203134,
    1.0012847525821895,
    2.534829992287411,
    1.8762320483140942,
    4.1193033079270975,
    0.4865241260760129,
    2.2551948706224385,
    3.5047414384306554,
    1.6099195252991163,
    2.579358170126725,
    2.2103558396869403,
    2.944042775533132,
    0.1733067663889165,
]

# Systolic blood pressure on 26 mornings: Anhøj & Mohammed, "Mastering SPC charts in
# healthcare" (the qicharts2 author's book, repository anhoej/spc4hc), chapter 5.
SYSTOLIC = [169, 172, 175, 174, 161, 142, 174, 171, 168, 174, 180, 194, 161]
SYSTOLIC += [181, 175, 176, 186, 166, 157, 183, 177, 171, 185, 176, 181, 174]

# Bacteremia, 2017-2018: the same book, data/bacteremia.csv and chapter 6 "Calculating control
# limits": hospital-acquired cases, risk days, 30-day deaths, all-cause cases.
BACTEREMIA = [
    (24, 32421, 23, 100),
    (29, 29349, 22, 105),
    (26, 32981, 13, 99),
    (16, 29588, 14, 85),
    (28, 30856, 17, 98),
    (16, 30544, 15, 85),
    (14, 26482, 15, 89),
    (18, 27637, 25, 99),
    (27, 30495, 21, 103),
    (30, 30600, 24, 86),
    (28, 31770, 23, 110),
    (24, 31679, 26, 98),
    (16, 32720, 18, 93),
    (25, 29698, 23, 96),
    (20, 32118, 24, 115),
    (25, 30212, 25, 102),
    (22, 31612, 15, 94),
    (28, 30514, 21, 94),
    (23, 26362, 26, 94),
    (23, 28131, 16, 97),
    (17, 29071, 25, 114),
    (22, 28481, 22, 108),
    (21, 29223, 24, 102),
    (22, 28611, 18, 104),
]


# Run charts ---------------------------------------------------------------------------------


def test_run_chart_of_blood_pressure_shows_random_variation_by_the_anhoej_rules():
    # spc4hc chapter 5: four points (#4, #7, #10, #26) lie on the median, leaving 22 useful
    # observations; the longest run is 4 and the curve crosses 9 times; the limits are 7 and 7,
    # so no sign of a shift.
    analysis = analyse(chart="run", samples=series(SYSTOLIC), rules="anhoj", direction="down")

    assert {row.centre for row in analysis.rows} == {174}
    on_median = [i + 1 for i, row in enumerate(analysis.rows) if row.value == row.centre]
    assert on_median == [4, 7, 10, 26]
    assert anhoej_longest_run_limit(22) == 7
    assert anhoej_crossings_limit(22) == 7
    assert analysis.signals == ()
    assert all(row.lower is None and row.upper is None for row in analysis.rows)


def test_anhoej_limits_match_the_qicharts2_table_of_critical_values():
    # qicharts2 vignette, appendix 2 (round(log2(n) + 3) and qbinom(0.05, n - 1, 0.5)).
    published = {
        10: (6, 2),
        11: (6, 2),
        12: (7, 3),
        14: (7, 4),
        22: (7, 7),
        23: (8, 7),
        24: (8, 8),
        27: (8, 9),
        45: (8, 17),
        46: (9, 17),
        60: (9, 23),
        90: (9, 37),
    }
    for useful, (longest, crossings) in published.items():
        assert anhoej_longest_run_limit(useful) == longest
        assert anhoej_crossings_limit(useful) == crossings


def test_run_chart_of_the_vignette_shift_has_too_few_crossings():
    # The qicharts2 vignette's shifted series plotted as a run chart (qic(y)): the median sits
    # between the two halves, so the line crosses it only 6 times against a limit of 8.
    analysis = analyse(chart="run", samples=series(SEED_19_SHIFTED), rules="anhoj", direction="up")

    (signal,) = analysis.signals
    assert signal.rule == "few-crossings"
    assert (signal.observed, signal.limit, signal.verdict) == (6, 8, None)
    assert signal.indices == tuple(range(24))
    assert describe(analysis).startswith("The line crosses the median unusually few times (6")


def test_ihi_shift_skips_points_on_the_median():
    # Perla, Provost & Murray 2011: six or more consecutive points on one side of the median;
    # values on the median neither add to nor break a shift.
    values = [7, 8, 6, 2, 3, 5, 1, 2, 3, 4, 9, 8, 7]
    analysis = analyse(chart="run", samples=series(values), rules="ihi", direction="down")

    assert analysis.rows[0].centre == 5
    (shift,) = [s for s in analysis.signals if s.rule == "shift"]
    assert (shift.indices, shift.side, shift.verdict) == (
        (3, 4, 6, 7, 8, 9),
        "below",
        "improvement",
    )
    assert "shift" not in analysis.rows[5].signals

    values[5] = 9  # the same point above the median breaks the run into two short ones
    analysis = analyse(chart="run", samples=series(values), rules="ihi", direction="down")
    assert [s for s in analysis.signals if s.rule == "shift"] == []


def test_ihi_trend_ignores_repeated_values():
    # Perla et al. 2011: five or more points all going up or all going down; when two points in
    # a row are equal, one of them is not counted.
    values = [10, 12, 9, 11, 11, 13, 14, 15, 12, 11]
    analysis = analyse(chart="run", samples=series(values), rules="ihi", direction="up")

    (trend,) = [s for s in analysis.signals if s.rule == "trend"]
    assert trend.indices == (2, 3, 5, 6, 7)
    assert (trend.side, trend.verdict, trend.observed) == ("up", "improvement", 5)

    four_steps = [10, 12, 9, 11, 13, 14, 12, 11, 12, 10]
    analysis = analyse(chart="run", samples=series(four_steps), rules="ihi", direction="up")
    assert [s for s in analysis.signals if s.rule == "trend"] == []


def test_ihi_too_few_runs_from_the_published_table():
    # Balestracci, "An underrated test for run charts", Quality Digest 2008: 16 points making
    # four runs of 7, 7, 1 and 1. Perla et al.'s table asks for at least 5 runs with 16 useful
    # observations, so four is too few (and the runs of 7 are shifts).
    values = [9, 8, 9, 7, 8, 9, 8, 3, 2, 3, 1, 2, 3, 2, 9, 1]
    analysis = analyse(chart="run", samples=series(values), rules="ihi", direction="down")

    assert IHI_RUNS_TABLE[16] == (5, 13)
    (runs,) = [s for s in analysis.signals if s.rule == "runs"]
    assert (runs.observed, runs.limit, runs.verdict, runs.side) == (4, 5, None, None)
    assert [s.indices for s in analysis.signals if s.rule == "shift"] == [
        (0, 1, 2, 3, 4, 5, 6),
        (7, 8, 9, 10, 11, 12, 13),
    ]
    assert "runs" in analysis.rows[15].signals


def test_ihi_runs_rule_waits_for_ten_useful_points():
    values = [9, 8, 9, 8, 9, 1, 2, 1, 2]  # two runs: too few, were there enough points
    analysis = analyse(chart="run", samples=series(values), rules="ihi", direction="down")
    assert [s for s in analysis.signals if s.rule == "runs"] == []


def test_ihi_runs_table_is_published_from_10_to_60():
    assert sorted(IHI_RUNS_TABLE) == list(range(10, 61))
    assert IHI_RUNS_TABLE[10] == (3, 9)
    assert IHI_RUNS_TABLE[20] == (6, 16)
    assert IHI_RUNS_TABLE[30] == (11, 21)
    assert IHI_RUNS_TABLE[60] == (24, 38)
    assert all(low < high for low, high in IHI_RUNS_TABLE.values())


# Control charts -----------------------------------------------------------------------------


def test_i_chart_matches_nhsrplotthedots():
    # NHSRplotthedots tests/testthat/_snaps/ptd_spc.md: mean 0.142, limits -3.01 and 3.29
    # (outliers screened), 20 points of common cause variation.
    analysis = analyse(chart="i", samples=series(SEED_123), rules="mdc", direction="up")

    row = analysis.rows[0]
    assert (round(row.centre, 3), round(row.lower, 2), round(row.upper, 2)) == (0.142, -3.01, 3.29)
    assert {(r.centre, r.lower, r.upper) for r in analysis.rows} == {
        (row.centre, row.lower, row.upper)
    }
    assert analysis.signals == ()
    assert describe(analysis) == (
        "No signal: the variation is what the process usually shows (common cause)."
    )


def test_i_chart_with_anhoej_rules_matches_the_qicharts2_vignette():
    # qicharts2 vignette, summary(qic(y, chart = 'i')): n.useful 24, longest.run 13 (limit 8),
    # n.crossings 4 (limit 8), runs.signal 1, CL 1.057091, aLCL -2.114884, aUCL 4.229067 and
    # no point outside. qicharts2 multiplies the average moving range by 3 / 1.128, this engine
    # by 2.66 (as NHSRplotthedots and Provost & Murray): the half-width is rescaled to compare.
    analysis = analyse(chart="i", samples=series(SEED_19_SHIFTED), rules="anhoj", direction="up")

    row = analysis.rows[0]
    assert round(row.centre, 6) == 1.057091
    qicharts2_width = (row.upper - row.centre) * (3 / 1.128) / 2.66
    assert round(row.centre + qicharts2_width, 6) == 4.229067
    assert round(row.centre - qicharts2_width, 6) == -2.114884
    long_run, crossings = analysis.signals
    assert (long_run.rule, long_run.indices) == ("long-run", tuple(range(13)))
    assert (long_run.observed, long_run.limit, long_run.side) == (13, 8, "below")
    assert long_run.verdict == "concern"
    assert (crossings.rule, crossings.observed, crossings.limit) == ("few-crossings", 4, 8)
    assert flagged(analysis, "outside") == []
    assert describe(analysis) == (
        "An unusually long run of 13 points below the mean since January 2020: a concern."
    )


def test_i_chart_of_blood_pressure_flags_the_low_reading():
    # spc4hc chapter 5: "One (freak) data point is below the lower control limit" (#6, 142).
    analysis = analyse(chart="i", samples=series(SYSTOLIC), rules="mdc", direction="down")

    assert round(analysis.rows[0].centre, 2) == 173.19
    assert flagged(analysis, "outside") == [5]
    (outside,) = [s for s in analysis.signals if s.rule == "outside"]
    assert (outside.side, outside.verdict) == ("below", "improvement")


def test_c_chart_of_bacteremia_counts():
    # spc4hc chapter 6, C chart: "The average monthly number of infections is 22.7, and all data
    # points fall within the control limits, which range from 8.4 to 36.9."
    samples = [
        Sample(period=p, value=cases)
        for p, (cases, *_) in zip(months(24, 2017), BACTEREMIA, strict=False)
    ]
    analysis = analyse(chart="c", samples=samples, rules="anhoj", direction="down")

    row = analysis.rows[0]
    assert (round(row.centre, 1), round(row.lower, 1), round(row.upper, 1)) == (22.7, 8.4, 36.9)
    assert row.lower == pytest.approx(row.centre - 3 * math.sqrt(row.centre))
    assert analysis.signals == ()


def test_u_chart_of_bacteremia_rates_has_limits_that_vary_with_the_risk_days():
    # spc4hc chapter 6, U chart: "an average of 7.5 infections per 10,000 risk days, with all
    # data points within control limits"; u = sum(cases) / sum(risk days), limits
    # u ± 3 sqrt(u / risk days) for each month.
    samples = [
        Sample(period=p, numerator=cases, denominator=days)
        for p, (cases, days, *_) in zip(months(24, 2017), BACTEREMIA, strict=False)
    ]
    analysis = analyse(chart="u", samples=samples, rules="anhoj", direction="down")

    rate = sum(b[0] for b in BACTEREMIA) / sum(b[1] for b in BACTEREMIA)
    assert round(analysis.rows[0].centre * 10000, 1) == 7.5
    for row, (cases, days, *_) in zip(analysis.rows, BACTEREMIA, strict=False):
        assert row.value == pytest.approx(cases / days)
        assert row.centre == pytest.approx(rate)
        assert row.upper == pytest.approx(rate + 3 * math.sqrt(rate / days))
        assert row.lower == pytest.approx(rate - 3 * math.sqrt(rate / days))
    assert len({row.upper for row in analysis.rows}) > 1
    assert analysis.signals == ()


def test_p_chart_of_bacteremia_mortality_has_limits_that_vary_with_the_patients():
    # spc4hc chapter 6, P chart: "The average mortality is 21%, and all data points fall within
    # the control limits. As with the U chart, the control limits vary with the size of the
    # denominator."
    samples = [
        Sample(period=p, numerator=deaths, denominator=cases)
        for p, (_, _, deaths, cases) in zip(months(24, 2017), BACTEREMIA, strict=False)
    ]
    analysis = analyse(chart="p", samples=samples, rules="mdc", direction="down")

    proportion = sum(b[2] for b in BACTEREMIA) / sum(b[3] for b in BACTEREMIA)
    assert round(analysis.rows[0].centre * 100) == 21
    for row, (_, _, _, cases) in zip(analysis.rows, BACTEREMIA, strict=False):
        spread = 3 * math.sqrt(proportion * (1 - proportion) / cases)
        assert (row.lower, row.upper) == pytest.approx((proportion - spread, proportion + spread))
    assert analysis.rows[14].upper < analysis.rows[3].upper  # 115 patients against 85
    assert analysis.signals == ()


def test_p_chart_limits_are_kept_between_0_and_1():
    samples = [
        Sample(period=p, numerator=n, denominator=4)
        for p, n in zip(months(6), [4] * 6, strict=False)
    ]
    samples += [Sample(period=date(2020, 7, 1), numerator=0, denominator=2)]
    analysis = analyse(chart="p", samples=samples, rules="mdc", direction="up")
    assert all(0 <= row.lower <= row.upper <= 1 for row in analysis.rows)


def test_two_phases_each_have_their_own_mean_and_limits():
    # NHSRplotthedots tests/testthat/_snaps/ptd_spc.md, the same data in two groups of ten:
    # mean 0.0746, limits -2.60 and 2.75; then mean 0.209, limits -3.28 and 3.70.
    samples = series(SEED_123)
    analysis = analyse(
        chart="i", samples=samples, rules="mdc", direction="up", parts=[samples[10].period]
    )

    first, second = analysis.rows[0], analysis.rows[10]
    assert [row.phase for row in analysis.rows] == [1] * 10 + [2] * 10
    assert (round(first.centre, 4), round(first.lower, 2), round(first.upper, 2)) == (
        0.0746,
        -2.60,
        2.75,
    )
    assert (round(second.centre, 3), round(second.lower, 2), round(second.upper, 2)) == (
        0.209,
        -3.28,
        3.70,
    )
    assert analysis.signals == ()


def test_a_part_date_between_samples_starts_the_phase_at_the_next_sample():
    samples = series([1, 2, 3, 4, 5, 6])
    analysis = analyse(
        chart="run",
        samples=samples,
        rules="anhoj",
        direction="up",
        parts=[date(2020, 3, 15), date(2020, 3, 20), date(2019, 1, 1), date(2030, 1, 1)],
    )
    assert [row.phase for row in analysis.rows] == [1, 1, 1, 2, 2, 2]
    assert [row.centre for row in analysis.rows] == [2, 2, 2, 5, 5, 5]


def test_a_frozen_baseline_is_worked_out_as_nhsrplotthedots_fixes_it():
    # NHSRplotthedots ptd_spc_standard() with fix_after_n_points = 12: the mean and the moving
    # ranges of the first 12 points, moving ranges of 3.267 average moving ranges or more left
    # out, limits at the mean ± 2.66 average moving ranges, carried over every later point.
    analysis = analyse(chart="i", samples=series(SEED_123), rules="mdc", direction="up", freeze=12)

    baseline = SEED_123[:12]
    mean = sum(baseline) / 12
    ranges = [abs(b - a) for a, b in itertools.pairwise(baseline)]
    average = sum(ranges) / len(ranges)
    kept = [r for r in ranges if r < 3.267 * average]
    average = sum(kept) / len(kept)
    for row in analysis.rows:
        assert row.centre == pytest.approx(mean)
        assert (row.lower, row.upper) == pytest.approx(
            (mean - 2.66 * average, mean + 2.66 * average)
        )
    assert (
        analysis.rows[0].upper
        != analyse(chart="i", samples=series(SEED_123), rules="mdc", direction="up").rows[0].upper
    )


def test_a_frozen_run_chart_median_shows_the_shift_after_the_change():
    # As qic(month, n, data = cdi, freeze = 24): the median of the baseline is extended and the
    # points after it are judged against it (here eight months after a change, all higher).
    baseline = [19, 17, 22, 15, 21, 19, 24, 16, 20, 18, 23, 19]
    after = [25, 27, 24, 26, 28, 25, 27, 26]
    analysis = analyse(
        chart="run", samples=series(baseline + after), rules="anhoj", direction="up", freeze=12
    )

    assert {row.centre for row in analysis.rows} == {19}
    # 17 useful points (three sit on the median): a run longer than 7 is unusual.
    (long_run,) = [s for s in analysis.signals if s.rule == "long-run"]
    assert long_run.indices == (10, *range(12, 20))
    assert (long_run.observed, long_run.limit) == (9, 7)
    assert (long_run.side, long_run.verdict) == ("above", "improvement")
    assert describe(analysis) == (
        "An unusually long run of 9 points above the median since November 2020: an improvement."
    )


# Making Data Count (NHSRplotthedots) --------------------------------------------------------


def test_mdc_two_of_three_needs_all_three_points_on_one_side():
    # NHSRplotthedots tests/testthat/test-ptd_spc_standard.R: symmetrical data with two points
    # close to the limits on opposite sides of the mean are both common cause.
    values = [1.0, -1.0] * 8
    values[14], values[15] = 5.5, -5.5
    analysis = analyse(chart="i", samples=series(values), rules="mdc", direction="up")
    assert analysis.rows[14].signals == () and analysis.rows[15].signals == ()

    # The same data with the three last points above the mean: the two beyond two sigma (and
    # within the limits) are flagged, the third is not.
    values[13], values[14], values[15] = 1.0, 5.5, 5.0
    analysis = analyse(chart="i", samples=series(values), rules="mdc", direction="up")
    row = analysis.rows[0]
    two_sigma = row.centre + 2 / 3 * (row.upper - row.centre)
    assert two_sigma < 5.0 < 5.5 < row.upper
    (signal,) = analysis.signals
    assert (signal.rule, signal.indices, signal.side) == ("two-of-three", (14, 15), "above")
    assert signal.verdict == "improvement"
    assert describe(analysis) == (
        "Two of three points close to the upper limit in April 2021: an improvement."
    )


def test_mdc_point_beyond_the_limit_is_not_counted_as_close_to_it():
    # NHSRplotthedots computes close_to_limits as "not outside and beyond two sigma", so one
    # point outside, one close and one ordinary point make only the "outside" signal.
    values = [1.0, -1.0] * 10 + [1.0, 9.0, 6.0, -1.0]
    analysis = analyse(chart="i", samples=series(values), rules="mdc", direction="down")
    row = analysis.rows[0]
    assert row.upper < 9.0 and row.centre + 2 / 3 * (row.upper - row.centre) < 6.0 < row.upper
    assert rules_found(analysis) == ["outside"]
    assert describe(analysis, unit="days") == (
        "A point above the upper limit in October 2021 (9 days): a concern."
    )


def test_mdc_shift_is_seven_points_and_a_point_on_the_mean_breaks_it():
    # NHSRplotthedots tests for ptd_seven_point_one_side_mean(): c(rep(1, 8), -1) flags the
    # first eight points; a point on the mean (relative_to_mean 0) is on neither side.
    values = [4.0] * 8 + [-4.0] * 8 + [4.0]
    analysis = analyse(chart="i", samples=series(values), rules="mdc", direction="up")
    shifts = [(s.indices, s.side, s.observed) for s in analysis.signals if s.rule == "shift"]
    assert shifts == [(tuple(range(8)), "above", 8), (tuple(range(8, 16)), "below", 8)]

    values[3] = 0.0  # now exactly the mean
    analysis = analyse(chart="i", samples=series(values), rules="mdc", direction="up")
    assert analysis.rows[3].centre == 0.0
    shifts = [s.indices for s in analysis.signals if s.rule == "shift"]
    assert shifts == [tuple(range(8, 16))]


def test_mdc_trend_is_seven_points_rising_and_a_repeat_breaks_it():
    # NHSRplotthedots tests for ptd_seven_point_trend(): 1:7 is a trend, c(1:3, 3:6) is not,
    # and in c(2, 1:7, 3) the trend is the seven points from the second.
    def trends(values):
        analysis = analyse(chart="i", samples=series(values), rules="mdc", direction="down")
        return [(s.indices, s.side, s.verdict) for s in analysis.signals if s.rule == "trend"]

    assert trends([1, 2, 3, 4, 5, 6, 7]) == [(tuple(range(7)), "up", "concern")]
    assert trends([1, 2, 3, 3, 4, 5, 6]) == []
    assert trends([2, 1, 2, 3, 4, 5, 6, 7, 3]) == [(tuple(range(1, 8)), "up", "concern")]
    assert trends([7, 6, 5, 4, 3, 2, 1]) == [(tuple(range(7)), "down", "improvement")]


# Missing points, outputs, describe() and bad choices -----------------------------------------


def test_missing_points_are_kept_as_rows_and_neither_make_nor_break_a_run():
    values = [8, 9, 7, 9, 1, 2, None, 2, 3, 2, 1, 9, 8, 9, 3]
    samples = series(values)
    analysis = analyse(chart="run", samples=samples, rules="ihi", direction="up")
    assert analysis.rows[6].centre == 5

    assert [row.period for row in analysis.rows] == [s.period for s in samples]
    assert analysis.rows[6].value is None and analysis.rows[6].signals == ()
    (shift,) = [s for s in analysis.signals if s.rule == "shift"]
    assert shift.indices == (4, 5, 7, 8, 9, 10)


def test_zero_and_missing_denominators_are_not_plotted():
    samples = [
        Sample(period=date(2024, 1, 1), numerator=3, denominator=10),
        Sample(period=date(2024, 2, 1), numerator=0, denominator=0),
        Sample(period=date(2024, 3, 1), numerator=2, denominator=None),
        Sample(period=date(2024, 4, 1), numerator=None, denominator=10),
        Sample(period=date(2024, 5, 1), numerator=5, denominator=10),
    ]
    analysis = analyse(chart="p", samples=samples, rules="mdc", direction="up")

    assert [row.value for row in analysis.rows] == [0.3, None, None, None, 0.5]
    assert analysis.rows[0].centre == 0.4  # 8 of 20: the months that can be plotted
    assert analysis.rows[1].upper is None and analysis.rows[3].upper is not None
    assert [row.numerator for row in analysis.rows] == [3, 0, 2, None, 5]


def test_json_and_csv_carry_the_rows_and_the_signals():
    analysis = analyse(chart="i", samples=series(SYSTOLIC), rules="mdc", direction="down")

    document = analysis.as_json()
    assert (document["chart"], document["rules"], document["direction"]) == ("i", "mdc", "down")
    assert document["rows"][5]["period"] == "2020-06-01"
    assert document["rows"][5]["signals"] == ["outside"]
    assert document["signals"][0] == {
        "rule": "outside",
        "indices": [5],
        "phase": 1,
        "verdict": "improvement",
        "side": "below",
        "observed": None,
        "limit": None,
    }
    lines = analysis.as_csv_rows()
    assert tuple(lines[0]) == CSV_COLUMNS
    assert lines[6][0] == "2020-06-01" and lines[6][1] == "142.0" and lines[6][-1] == "outside"
    assert lines[1][2:4] == ["", ""]


def test_describe_says_when_a_shift_began_and_whether_it_is_good():
    values = [9, 8, 9, 7, 8, 9, 8, 9, 8, 9, 3, 2, 3, 1, 2, 3, 2]
    analysis = analyse(chart="run", samples=series(values, 2025, 5), rules="ihi", direction="down")
    assert describe(analysis) == (
        "A shift of 7 points below the median since March 2026: an improvement."
    )

    rising = analyse(chart="run", samples=series([1, 2, 3, 4, 5]), rules="ihi", direction="down")
    assert describe(rising) == "A trend of 5 points going up since January 2020: a concern."

    empty = analyse(
        chart="i", samples=[Sample(period=date(2024, 1, 1))], rules="mdc", direction="up"
    )
    assert describe(empty).startswith("No data yet")


@pytest.mark.parametrize(
    ("chart", "rules", "direction", "message"),
    [
        ("xbar", "mdc", "up", "Unknown chart 'xbar'"),
        ("run", "mdc", "up", "Unknown rules 'mdc' for a run chart: choose ihi or anhoj."),
        ("i", "ihi", "up", "Unknown rules 'ihi' for a control chart: choose mdc or anhoj."),
        ("p", "mdc", "higher", "Unknown direction 'higher'"),
    ],
)
def test_unknown_choices_are_refused_in_plain_words(chart, rules, direction, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        analyse(chart=chart, samples=series([1, 2]), rules=rules, direction=direction)


def test_a_frozen_baseline_needs_a_point():
    with pytest.raises(ValueError, match="at least one point"):
        analyse(chart="i", samples=series([1, 2]), rules="mdc", direction="up", freeze=0)
