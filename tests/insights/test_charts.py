"""The dashboard draws each measure as a run chart: months along a labelled axis, the median,
signals of change, and the figures in a table beside it."""

import re
import xml.etree.ElementTree as ET
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from insights import services
from insights.measures import MEASURES_BY_KEY, Result
from members.models import Region
from tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def measure_card(page, key):
    start = page.index(f'id="measure-{key}"')
    return page[start : page.index('class="network-measure"', start)]


def chart_in(card):
    return ET.fromstring(re.search(r'<svg class="network-chart".*?</svg>', card, re.S).group())


def texts(chart, css):
    return [e.text for e in chart.iter() if css in (e.get("class") or "").split()]


def test_each_measure_is_a_run_chart_with_labelled_months_and_its_median(client, coordinator):
    today = timezone.localdate()
    # Three members joined two months ago, one last month: the median of the two whole months
    # before this one is 2.
    for months_ago, joining in ((2, 3), (1, 1)):
        year, month = divmod(today.year * 12 + today.month - 1 - months_ago, 12)
        for _ in range(joining):
            profile = ProfileFactory(region=Region.EAST)
            profile.member.date_joined = datetime(year, month + 1, 3, 12, tzinfo=LONDON)
            profile.member.save()
    client.force_login(coordinator)

    page = client.get(reverse("insights:dashboard"), {"months": 3}).content.decode()

    card = measure_card(page, "new-members")
    chart = chart_in(card)
    shown = texts(chart, "network-chart__tick-label--x")
    two_ago = MONTHS[(today.month - 3) % 12]
    last = MONTHS[(today.month - 2) % 12]
    assert shown == [two_ago, last]  # the month in progress is said beside the chart instead
    assert chart.find("title").text == "New members"
    assert "The median is 2." in chart.find("desc").text
    assert "Median" in [e.text for e in chart.iter("text")]
    assert texts(chart, "network-chart__tick-label--y")  # a scale to read the points against
    assert "so far:" in card
    # The figures in a table: each month, its figure and the median.
    assert re.search(r'<th scope="row">[A-Z][a-z]+ \d{4}</th>\s*<td>3</td>\s*<td>2</td>', card)
    assert "In the month" in card


def test_a_running_total_keeps_the_month_in_progress(client, coordinator):
    client.force_login(coordinator)

    page = client.get(reverse("insights:dashboard"), {"months": 6}).content.decode()

    chart = chart_in(measure_card(page, "members"))
    assert (
        texts(chart, "network-chart__tick-label--x")[-1] == MONTHS[timezone.localdate().month - 1]
    )
    assert "At the end of the month" in measure_card(page, "members")


def test_a_measure_month_by_month_becomes_the_charts_points_and_table():
    months = [date(2025, month, 1) for month in range(1, 13)]
    rising = Result(value=0, previous=0, series=[(m, float(n)) for n, m in enumerate(months)])

    chart = services.measure_chart(measure=MEASURES_BY_KEY["members"], result=rising)["chart"]

    root = ET.fromstring(str(chart["svg"]))
    assert len([e for e in root.iter() if "network-chart__point" in (e.get("class") or "")]) == 12
    assert chart["rows"][0]["period"] == "January 2025"
    assert [row["value"] for row in chart["rows"]][-3:] == ["9", "10", "11"]
    assert {row["centre"] for row in chart["rows"]} == {"5.5"}


def test_an_average_of_nothing_is_no_figure_rather_than_a_zero():
    months = [date(2025, month, 1) for month in range(1, 5)]
    ratings = Result(
        value=4, previous=None, series=list(zip(months, [4.0, 0.0, 5.0, 0.0], strict=True))
    )

    chart = services.measure_chart(measure=MEASURES_BY_KEY["event-rating"], result=ratings)

    assert [row["value"] for row in chart["chart"]["rows"]] == ["4", "", "5"]
    assert chart["in_progress"] is None  # no rating yet this month: nothing to say so far
    assert "1 period has no figure." in chart["chart"]["description"]
