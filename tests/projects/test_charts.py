"""Run and control charts drawn as SVG: what a reader of the chart sees, checked in the markup."""

import re
import xml.etree.ElementTree as ET
from datetime import date
from itertools import pairwise

import pytest
from django.template.loader import render_to_string

from projects import spc
from projects.charts import Annotation, chart_svg, describe, figure

SVG = "{http://www.w3.org/2000/svg}"


def months(count, year=2025, month=1):
    starts = []
    for _ in range(count):
        starts.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return starts


def analysis(
    values,
    *,
    chart="run",
    centre=None,
    lower=None,
    upper=None,
    phases=None,
    periods=None,
    signals=(),
    numerators=None,
    denominators=None,
):
    """An analysis written out by hand, so each test says exactly what the chart is given."""
    periods = periods or months(len(values))
    count = len(values)

    def each(given):
        return given if isinstance(given, list) else [given] * count

    rows = tuple(
        spc.Row(
            period=period,
            value=value,
            numerator=(numerators or [None] * count)[index],
            denominator=(denominators or [None] * count)[index],
            phase=(phases or [1] * count)[index],
            centre=each(centre)[index],
            lower=each(lower)[index],
            upper=each(upper)[index],
            signals=tuple(s.rule for s in signals if index in s.indices),
        )
        for index, (period, value) in enumerate(zip(periods, values, strict=True))
    )
    return spc.Analysis(
        chart=chart,
        rules="anhoj" if chart == "run" else "mdc",
        direction="up",
        rows=rows,
        signals=tuple(signals),
    )


def parse(svg):
    return ET.fromstring(str(svg))


def with_class(root, name):
    return [e for e in root.iter() if name in (e.get("class") or "").split()]


def texts(root, name):
    return [e.text for e in with_class(root, name)]


def scale(root):
    """Turns a y coordinate into the value it stands for, from the grid lines at the ticks."""
    levels = [float(line.get("y1")) for line in with_class(root, "network-chart__grid")]
    ticks = [float(t.replace(",", "")) for t in texts(root, "network-chart__tick-label--y")]
    (y0, v0), (y1, v1) = (levels[0], ticks[0]), (levels[-1], ticks[-1])
    return lambda y: v0 + (y - y0) * (v1 - v0) / (y1 - y0)


def levels(path):
    """The y coordinates a path's horizontal stretches sit at, in order."""
    return [float(y) for y in re.findall(r"(?:M[\d.]+ |V)([\d.]+)", path.get("d"))]


def read(root, path):
    """The values a line stands for, to the nearest pixel's worth (coordinates are rounded)."""
    value_at = scale(root)
    return [round(value_at(y), 2) for y in levels(path)]


TWELVE = [5, 7, 6, 8, 9, 7, 6, 10, 8, 7, 9, 11]


def test_the_chart_is_an_image_named_by_its_title_and_described_in_words():
    root = parse(chart_svg(analysis(TWELVE, centre=7.5), title="New members", unit="members"))

    title, desc = root.find("title"), root.find("desc")
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == title.get("id")
    assert root.get("aria-describedby") == desc.get("id")
    assert title.text == "New members"
    assert desc.text.startswith(
        "Run chart of New members: 12 points from January 2025 to December 2025."
    )
    assert "The median is 7.5 members." in desc.text
    assert root.get("viewBox").startswith("0 0 720 ")  # scales to whatever holds it


def test_the_x_axis_names_each_month_and_the_year_it_starts():
    root = parse(chart_svg(analysis(TWELVE, centre=7.5), title="New members"))

    assert texts(root, "network-chart__tick-label--x") == [
        "Jan",
        "Feb",
        "Mar",
        "Apr",
        "May",
        "Jun",
        "Jul",
        "Aug",
        "Sep",
        "Oct",
        "Nov",
        "Dec",
    ]
    assert texts(root, "network-chart__tick-label--year") == ["2025"]


def test_a_small_chart_of_many_months_labels_round_months_that_never_touch():
    values = list(range(36))
    root = parse(
        chart_svg(
            analysis(values, centre=17.5, periods=months(36, 2024, 2)),
            title="Replies",
            width=320,
            height=220,
        )
    )

    labels = with_class(root, "network-chart__tick-label--x")
    names = [label.text for label in labels]
    assert 3 <= len(names) < 36
    assert set(names) <= {"Jan", "Apr", "Jul", "Oct"}  # quarters or half years
    xs = [float(label.get("x")) for label in labels]
    gaps = [later - earlier for earlier, later in pairwise(xs)]
    assert min(gaps) > 3 * 11 * 0.6  # three letters at 11px, with room between
    assert texts(root, "network-chart__tick-label--year") == ["2024", "2025", "2026", "2027"]


def test_weekly_points_are_labelled_by_day_and_month():
    weeks = [date(2025, 1, 6 + 7 * n) for n in range(4)]
    root = parse(chart_svg(analysis([3, 4, 5, 4], centre=4, periods=weeks), title="Waits"))

    assert texts(root, "network-chart__tick-label--x") == ["6 Jan", "13 Jan", "20 Jan", "27 Jan"]


def test_the_y_axis_has_round_values_and_the_unit():
    root = parse(chart_svg(analysis(TWELVE, centre=7.5), title="Falls", unit="per 1,000 bed days"))

    ticks = [float(t) for t in texts(root, "network-chart__tick-label--y")]
    steps = {round(b - a, 6) for a, b in pairwise(ticks)}
    assert ticks[0] == 0 and ticks[-1] >= 11 and len(steps) == 1
    assert steps.pop() in {1, 2, 2.5, 5}
    assert texts(root, "network-chart__unit") == ["per 1,000 bed days"]


def test_the_run_chart_draws_its_median_where_the_median_is():
    root = parse(chart_svg(analysis(TWELVE, centre=7.5), title="New members"))

    centre = with_class(root, "network-chart__centre")
    assert len(centre) == 1
    assert read(root, centre[0]) == [7.5]
    assert with_class(root, "network-chart__limit") == []  # a run chart has none
    assert "Median" in [t.text for t in root.iter("text")]


def test_a_control_chart_draws_its_mean_and_both_limits():
    root = parse(
        chart_svg(analysis(TWELVE, chart="i", centre=7.8, lower=3.1, upper=12.5), title="Falls")
    )

    limits = with_class(root, "network-chart__limit")
    assert sorted(read(root, path)[0] for path in limits) == [3.1, 12.5]
    assert all("V" not in path.get("d") for path in limits)  # steady limits are straight
    assert read(root, with_class(root, "network-chart__centre")[0]) == [7.8]
    assert {"Mean", "Control limits"} <= {t.text for t in root.iter("text")}


def test_limits_that_change_with_the_sample_size_are_drawn_as_steps():
    sizes = [20, 80, 40, 60]
    upper = [0.5 + 0.3 * (20 / size) ** 0.5 for size in sizes]
    lower = [max(0.0, 0.5 - 0.3 * (20 / size) ** 0.5) for size in sizes]
    root = parse(
        chart_svg(
            analysis(
                [0.45, 0.55, 0.5, 0.52],
                chart="p",
                centre=0.5,
                lower=lower,
                upper=upper,
                numerators=[9, 44, 20, 31],
                denominators=sizes,
            ),
            title="Seen within 4 hours",
        )
    )

    value_at = scale(root)
    top = max(with_class(root, "network-chart__limit"), key=lambda path: -levels(path)[0])
    assert top.get("d").count("V") == 3  # a step between each of the four points
    assert [value_at(y) for y in levels(top)] == pytest.approx(upper, abs=0.002)


def test_a_target_is_a_dashed_line_with_its_name():
    root = parse(chart_svg(analysis(TWELVE, centre=7.5), title="New members", target=12, unit="%"))

    (line,) = with_class(root, "network-chart__target")
    assert line.get("stroke-dasharray")
    assert round(scale(root)(float(line.get("y1"))), 2) == 12
    assert texts(root, "network-chart__target-label") == ["Target 12%"]
    assert "Target" in [t.text for t in root.iter("text")]  # in the legend too


def test_no_target_no_target_line():
    root = parse(chart_svg(analysis(TWELVE, centre=7.5), title="New members"))

    assert with_class(root, "network-chart__target") == []


def test_a_new_phase_has_a_divider_and_lines_of_its_own():
    phases = [1] * 6 + [2] * 6
    root = parse(
        chart_svg(
            analysis(
                TWELVE,
                chart="i",
                centre=[7] * 6 + [9] * 6,
                lower=[2] * 6 + [5] * 6,
                upper=[12] * 6 + [13] * 6,
                phases=phases,
            ),
            title="Falls",
        )
    )

    (divider,) = with_class(root, "network-chart__phase")
    points = with_class(root, "network-chart__point")
    x = float(divider.get("x1"))
    assert float(points[5].get("cx")) < x < float(points[6].get("cx"))
    centres = with_class(root, "network-chart__centre")
    assert [read(root, path) for path in centres] == [[7], [9]]
    assert len(with_class(root, "network-chart__limit")) == 4
    assert texts(root, "network-chart__phase-label") == ["Phase 1", "Phase 2"]


def test_a_frozen_baseline_is_extended_as_a_dashed_line():
    root = parse(chart_svg(analysis(TWELVE, centre=7), title="Falls", freeze=6))

    solid, extended = with_class(root, "network-chart__centre")
    assert not solid.get("stroke-dasharray")
    assert "network-chart__centre--extended" in extended.get("class")
    assert extended.get("stroke-dasharray")
    points = with_class(root, "network-chart__point")
    start_of_extension = float(re.match(r"M([\d.]+)", extended.get("d")).group(1))
    assert float(points[5].get("cx")) < start_of_extension < float(points[6].get("cx"))
    assert "Baseline, extended" in [t.text for t in root.iter("text")]


def test_pdsa_cycles_and_notes_are_numbered_in_date_order_along_the_axis():
    notes = [
        Annotation(date(2025, 9, 14), "Second huddle cycle", "pdsa"),
        Annotation(date(2025, 2, 3), "First huddle cycle", "pdsa"),
        Annotation(date(2025, 6, 1), "New ward manager", "note"),
    ]
    root = parse(chart_svg(analysis(TWELVE, centre=7.5), title="Falls", annotations=notes))

    markers = with_class(root, "network-chart__annotation")
    numbers = [marker.find("text").text for marker in markers]
    xs = [float(marker.find("text").get("x")) for marker in markers]
    assert numbers == ["1", "2", "3"]
    assert xs == sorted(xs)
    assert [m.get("class").split()[-1] for m in markers] == [
        "network-chart__annotation--pdsa",
        "network-chart__annotation--note",
        "network-chart__annotation--pdsa",
    ]
    points = with_class(root, "network-chart__point")
    # Early in February: before most of February's figure, so just before its point.
    assert float(points[0].get("cx")) < xs[0] < float(points[1].get("cx"))
    listed = [
        " ".join(t.text for t in note.iter("text"))
        for note in with_class(root, "network-chart__note")
    ]
    assert listed == [
        "1 PDSA cycle, 3 February 2025: First huddle cycle",
        "2 Note, 1 June 2025: New ward manager",
        "3 PDSA cycle, 14 September 2025: Second huddle cycle",
    ]


def test_a_note_outside_the_charts_dates_is_listed_but_not_placed():
    notes = [Annotation(date(2023, 5, 1), "Before we started measuring", "note")]
    root = parse(chart_svg(analysis(TWELVE, centre=7.5), title="Falls", annotations=notes))

    assert with_class(root, "network-chart__annotation") == []
    listed = " ".join(t.text for t in with_class(root, "network-chart__note")[0].iter("text"))
    assert "Before we started measuring (outside the chart's dates)" in listed


def test_an_annotation_is_a_pdsa_cycle_or_a_note():
    with pytest.raises(ValueError, match="PDSA cycle or a note"):
        Annotation(date(2025, 1, 1), "Something", "idea")


def test_signals_are_told_apart_by_shape_and_explained_in_a_legend():
    signals = [
        spc.Signal("shift", (6, 7, 8, 9, 10, 11), 1, "improvement", "above"),
        spc.Signal("outside", (2,), 1, "concern", "below"),
        spc.Signal("few-crossings", (4,), 1, None, None),
    ]
    root = parse(
        chart_svg(
            analysis(TWELVE, chart="i", centre=7, lower=3, upper=12, signals=signals), title="Falls"
        )
    )

    points = with_class(root, "network-chart__point")
    kinds = [p.get("class").split("--")[-1] for p in points]
    assert (
        kinds
        == ["common", "common", "concern", "common", "not-random", "common"] + ["improvement"] * 6
    )
    common, concern, ring, improvement = points[0], points[2], points[4], points[6]
    assert common.tag == "circle"
    assert improvement.tag == concern.tag == "path"
    assert improvement.get("d").count("L") == 3 and concern.get("d").count("L") == 2  # ◆ and ▲
    assert ring.tag == "circle" and ring.get("fill") == "#fff"  # a ring, not a dot
    assert float(ring.get("r")) > float(common.get("r"))
    legend = [t.text for t in root.iter("text")]
    assert {"Common cause", "Improvement", "Concern", "Not random"} <= set(legend)
    assert improvement.find("title").text == "July 2025: 6 (Shift (improvement))"


def test_the_description_tells_the_signals():
    signals = [spc.Signal("shift", (6, 7, 8, 9, 10, 11), 1, "improvement", "above")]
    words = describe(
        analysis(TWELVE, centre=7, signals=signals),
        title="Falls",
        target=10,
        annotations=[Annotation(date(2025, 3, 2), "Huddles", "pdsa")],
    )

    assert (
        "a shift of 6 points in a row above the median, July 2025 to December 2025 "
        "(an improvement)" in words
    )
    assert "The target is 10." in words
    assert "1, PDSA cycle on 2 March 2025: Huddles" in words


def test_nothing_in_the_page_form_needs_inline_style_or_script():
    svg = str(
        chart_svg(
            analysis(TWELVE, chart="i", centre=7, lower=3, upper=12),
            title="Falls",
            target=10,
            annotations=[Annotation(date(2025, 3, 2), "H", "pdsa")],
        )
    )

    root = parse(svg)
    assert not [e for e in root.iter() if "style" in e.attrib]
    assert root.find(".//script") is None and root.find(".//style") is None
    assert "<?xml" not in svg


def test_a_downloaded_file_stands_on_its_own():
    svg = str(chart_svg(analysis(TWELVE, centre=7.5), title="Falls", standalone=True))

    assert svg.startswith(
        '<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"'
    )
    root = ET.fromstring(svg.encode())
    assert root.tag == f"{SVG}svg"
    assert root.find(f"{SVG}style") is not None  # looks the same without the site's stylesheet
    assert next(e.text for e in root.iter(f"{SVG}text")) == "Falls"  # a visible title
    assert root.get("width") and root.get("height")


def test_every_label_stays_text():
    title = 'Falls <script>alert("x")</script> & "trips"'
    notes = [Annotation(date(2025, 3, 2), "<b>Huddles</b> & more", "note")]
    svg = str(
        chart_svg(
            analysis(TWELVE, centre=7.5),
            title=title,
            unit="<i>",
            annotations=notes,
            standalone=True,
        )
    )

    root = ET.fromstring(svg.encode())
    assert root.find(f"{SVG}title").text == title
    assert "<script>" not in svg and "<b>" not in svg and "<i>" not in svg
    assert "&lt;b&gt;Huddles&lt;/b&gt; &amp; more" in svg
    assert root.find(f".//{SVG}script") is None


def test_characters_xml_forbids_are_dropped_from_labels():
    svg = str(chart_svg(analysis(TWELVE, centre=7.5), title="Falls\x00\x0b here", standalone=True))

    assert ET.fromstring(svg.encode()).find(f"{SVG}title").text == "Falls here"


def test_several_charts_on_one_page_have_ids_of_their_own():
    first = parse(chart_svg(analysis(TWELVE, centre=7.5), title="Falls"))
    second = parse(chart_svg(analysis(TWELVE, centre=7.5), title="Trips"))

    assert first.find("title").get("id") != second.find("title").get("id")


def test_an_empty_analysis_says_there_are_no_figures_yet():
    empty = spc.Analysis(chart="run", rules="anhoj", direction="up", rows=(), signals=())

    root = parse(chart_svg(empty, title="Falls", width=320, height=200))

    assert "No figures yet" in [t.text for t in root.iter("text")]
    assert root.find("desc").text == "Run chart of Falls: no figures yet."
    assert with_class(root, "network-chart__point") == []


def test_one_point_is_drawn_with_its_centre():
    root = parse(
        chart_svg(
            analysis([4], centre=4),
            title="Falls",
            target=6,
            annotations=[Annotation(date(2025, 1, 9), "Start", "note")],
        )
    )

    assert len(with_class(root, "network-chart__point")) == 1
    assert len(with_class(root, "network-chart__centre")) == 1
    assert texts(root, "network-chart__tick-label--x") == ["Jan"]
    assert len(with_class(root, "network-chart__annotation")) == 1


def test_missing_figures_break_the_line_and_are_not_plotted():
    values = [3, 4, None, 5, 6]
    root = parse(chart_svg(analysis(values, centre=4.5), title="Falls"))

    assert len(with_class(root, "network-chart__point")) == 4
    assert len(with_class(root, "network-chart__data")) == 2
    assert "1 period has no figure." in root.find("desc").text


def test_the_engine_feeds_the_drawing():
    samples = [
        spc.Sample(period=month, value=value)
        for month, value in zip(months(12), TWELVE, strict=True)
    ]

    result = spc.analyse(chart="run", samples=samples, rules="anhoj", direction="up")
    root = parse(chart_svg(result, title="New members"))

    assert read(root, with_class(root, "network-chart__centre")[0]) == [7.5]


def test_the_include_shows_the_figure_its_words_its_table_and_the_downloads_given():
    signals = [spc.Signal("outside", (2,), 1, "concern", "above")]
    chart = figure(
        analysis(
            [0.4, 0.5, 0.9],
            chart="p",
            centre=0.6,
            lower=[0.2, 0.3, 0.25],
            upper=[0.8, 0.85, 0.82],
            numerators=[8, 20, 27],
            denominators=[20, 40, 30],
            signals=signals,
        ),
        title="Seen within 4 hours <ED>",
        csv_url="/projects/x/measures/1/?format=csv",
    )

    page = render_to_string("projects/_chart.html", {"chart": chart})

    assert page.count("<svg ") == 1
    assert "P chart" in page and "Seen within 4 hours &lt;ED&gt;" in page
    assert re.search(
        r"<th scope=\"col\">Lower limit</th>\s*<th scope=\"col\">Upper limit</th>", page
    )
    assert '<th scope="row">March 2025</th>' in page
    assert "0.9 (27 of 30)" in page and "Outside the limits (concern)" in page
    assert 'href="/projects/x/measures/1/?format=csv"' in page
    assert "Download SVG" not in page and "Download JSON" not in page
    assert 'style="' not in page and "<script" not in page


def test_a_chart_without_figures_shows_their_shape_and_tells_none_of_them():
    values = [0.45, 0.55, 0.95]
    signals = [spc.Signal("outside", (2,), 1, "concern", "above")]
    given = analysis(
        values,
        chart="p",
        centre=0.65,
        lower=[0.15, 0.35, 0.3],
        upper=[0.85, 0.9, 0.88],
        numerators=[9, 22, 19],
        denominators=[20, 40, 20],
        signals=signals,
    )
    urls = {"svg_url": "/a.svg", "csv_url": "/a.csv", "json_url": "/a.json"}
    told = figure(given, title="Seen within 4 hours", unit="%", target=0.75, **urls)
    chart = figure(given, title="Seen within 4 hours", unit="%", target=0.75, figures=False, **urls)

    page = render_to_string("projects/_chart.html", {"chart": chart})
    root = parse(chart["svg"])
    tips = [element.text for element in root.iter("title")][1:]
    assert tips == ["January 2025", "February 2025", "March 2025 (Outside the limits (concern))"]
    assert "0.95" in told["headline"] and "0.65" in told["description"]
    assert chart["headline"] == "A point above the upper limit in March 2025: a concern."
    assert "The mean and the control limits are drawn." in chart["description"]
    assert "The target is 0.75%." in chart["description"], "the team's target is no figure of data"
    for figure_told in ("0.45", "0.55", "0.95", "0.65", "0.15", "0.85", "of 40"):
        assert figure_told not in page, figure_told
    # The scale stays: an axis is not the data.
    assert texts(root, "network-chart__tick-label--y")
    assert chart["rows"] == [] and "<table" not in page and "Download" not in page
