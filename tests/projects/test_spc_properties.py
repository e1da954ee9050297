"""The chart engine on whatever a team may type in: ties with the centre line, very short series,
empty or zero denominators, flat lines and one-point phases. It never fails, keeps every period
as a row, and its signals point at rows that exist."""

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from projects.spc import CHARTS, CONTROL_RULES, RUN_RULES, SIGNALS, Sample, analyse, describe

START = date(2023, 1, 1)
# Few distinct values, so points often tie with the median or mean and with each other.
VALUE = st.one_of(st.none(), st.integers(min_value=0, max_value=6).map(float))
COUNT = st.one_of(st.none(), st.integers(min_value=0, max_value=30).map(float))
CHART_AND_RULES = st.sampled_from(
    [("run", rules) for rules in RUN_RULES]
    + [(chart, rules) for chart in CHARTS[1:] for rules in CONTROL_RULES]
)

# The autouse fixtures of tests/conftest.py (settings, cache) are shared by every example alike.
checks = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@st.composite
def measures(draw, min_size=0, max_size=40):
    size = draw(st.integers(min_value=min_size, max_value=max_size))
    samples = []
    for k in range(size):
        numerator = draw(COUNT)
        denominator = draw(st.one_of(COUNT, st.just(0.0)))
        if numerator is not None and denominator is not None and denominator > 0:
            numerator = min(numerator, denominator)
        samples.append(
            Sample(
                period=START + timedelta(days=31 * k),
                value=draw(VALUE),
                numerator=numerator,
                denominator=denominator,
            )
        )
    return samples


def assert_sound(analysis, samples):
    rows = analysis.rows
    assert [row.period for row in rows] == [sample.period for sample in samples]
    assert all(row.phase >= 1 for row in rows)
    assert [row.phase for row in rows] == sorted(row.phase for row in rows)
    for signal in analysis.signals:
        assert signal.rule in SIGNALS
        assert signal.indices and all(0 <= i < len(rows) for i in signal.indices)
        assert list(signal.indices) == sorted(set(signal.indices))
        assert all(rows[i].phase == signal.phase for i in signal.indices)
        assert all(rows[i].value is not None for i in signal.indices)
        assert all(signal.rule in rows[i].signals for i in signal.indices)
        if signal.rule in ("runs", "few-crossings"):
            assert signal.verdict is None and signal.side is None
        else:
            assert signal.verdict in ("improvement", "concern")
    for row in rows:
        if row.value is None:
            assert row.signals == ()
        if row.lower is not None and row.upper is not None:
            assert row.lower <= row.centre <= row.upper
    assert isinstance(describe(analysis), str)
    analysis.as_json()
    analysis.as_csv_rows()


@checks
@given(samples=measures(), choice=CHART_AND_RULES, direction=st.sampled_from(("up", "down")))
def test_any_measure_gives_a_sound_analysis(samples, choice, direction):
    chart, rules = choice
    analysis = analyse(chart=chart, samples=samples, rules=rules, direction=direction)
    assert_sound(analysis, samples)


@checks
@given(samples=measures(min_size=1), choice=CHART_AND_RULES, data=st.data())
def test_freezing_and_splitting_never_fail(samples, choice, data):
    chart, rules = choice
    freeze = data.draw(st.integers(min_value=1, max_value=len(samples) + 3))
    parts = data.draw(st.lists(st.sampled_from([s.period for s in samples]), max_size=4))
    analysis = analyse(
        chart=chart, samples=samples, rules=rules, direction="up", freeze=freeze, parts=parts
    )
    assert_sound(analysis, samples)
    assert max(row.phase for row in analysis.rows) <= len(set(parts)) + 1


@checks
@given(samples=measures(min_size=1, max_size=15), choice=CHART_AND_RULES)
def test_every_point_its_own_phase(samples, choice):
    chart, rules = choice
    analysis = analyse(
        chart=chart,
        samples=samples,
        rules=rules,
        direction="down",
        parts=[s.period for s in samples],
    )
    assert_sound(analysis, samples)
    assert [row.phase for row in analysis.rows] == list(range(1, len(samples) + 1))
    for row in analysis.rows:
        if chart in ("run", "i", "c") and row.value is not None:
            assert row.centre == row.value
        if chart == "i":
            assert row.lower is None  # one point has no moving range
    assert {s.rule for s in analysis.signals} <= {"outside"}


@checks
@given(
    value=st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
    size=st.integers(min_value=1, max_value=40),
    choice=CHART_AND_RULES,
)
def test_a_flat_line_shows_no_shift_trend_or_run(value, size, choice):
    chart, rules = choice
    samples = [
        Sample(period=START + timedelta(days=k), value=value, numerator=3, denominator=10)
        for k in range(size)
    ]
    analysis = analyse(chart=chart, samples=samples, rules=rules, direction="up")
    assert_sound(analysis, samples)
    assert analysis.signals == ()


@checks
@given(values=st.lists(st.integers(min_value=0, max_value=3).map(float), max_size=40))
def test_points_on_the_median_never_make_a_run(values):
    samples = [Sample(period=START + timedelta(days=k), value=v) for k, v in enumerate(values)]
    for rules in RUN_RULES:
        analysis = analyse(chart="run", samples=samples, rules=rules, direction="up")
        assert_sound(analysis, samples)
        for signal in analysis.signals:
            if signal.rule in ("shift", "long-run", "runs", "few-crossings"):
                on_the_line = [
                    analysis.rows[i].value == analysis.rows[i].centre for i in signal.indices
                ]
                assert not any(on_the_line)


@checks
@given(samples=measures(max_size=9))
def test_the_ihi_runs_rule_needs_ten_useful_points(samples):
    analysis = analyse(chart="run", samples=samples, rules="ihi", direction="up")
    assert all(signal.rule != "runs" for signal in analysis.signals)


@checks
@given(samples=measures(), chart=st.sampled_from(("p", "u")), rules=st.sampled_from(CONTROL_RULES))
def test_zero_or_missing_denominators_are_skipped(samples, chart, rules):
    analysis = analyse(chart=chart, samples=samples, rules=rules, direction="up")
    assert_sound(analysis, samples)
    for sample, row in zip(analysis.rows, samples, strict=True):
        usable = row.numerator is not None and row.denominator is not None and row.denominator > 0
        assert (sample.value is not None) == usable
        if chart == "p":
            assert all(limit is None or 0 <= limit <= 1 for limit in (sample.lower, sample.upper))
        elif sample.lower is not None:
            assert sample.lower >= 0
