"""The charts the dashboard draws from the figures: a bar a month, scaled to the largest."""

import re
from datetime import date

import pytest
from django.urls import reverse

from insights.charts import bars


def test_each_month_is_a_bar_as_tall_as_its_share_of_the_largest():
    series = [(date(2026, 9, 1), 2), (date(2026, 10, 1), 8), (date(2026, 11, 1), 0)]

    drawn = bars(series, width=240, height=64)

    assert [bar["month"] for bar in drawn] == [month for month, _ in series]
    assert [bar["height"] for bar in drawn] == [16.0, 64.0, 0.0]
    assert [bar["y"] for bar in drawn] == [48.0, 0.0, 64.0]  # standing on the bottom edge
    assert [bar["x"] for bar in drawn] == [12.0, 92.0, 172.0]
    assert {bar["width"] for bar in drawn} == {56.0}


def test_a_period_with_nothing_draws_flat_bars():
    drawn = bars([(date(2026, 10, 1), 0), (date(2026, 11, 1), 0)])

    assert [bar["height"] for bar in drawn] == [0.0, 0.0]
    assert bars([]) == []


@pytest.mark.django_db
def test_the_dashboard_draws_a_bar_for_each_month_of_the_period(client, coordinator):
    client.force_login(coordinator)

    page = client.get(reverse("insights:dashboard"), {"months": 6}).content.decode()

    chart = re.search(r'<svg class="network-measure__chart".*?</svg>', page, re.S).group()
    assert chart.count("<rect ") == 6
