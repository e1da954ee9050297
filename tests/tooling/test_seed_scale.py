"""The benchmark network builds, small, from the same code that builds it at national scale."""

import pytest
from django.core.management import CommandError, call_command

from communities.models import Post, Thread
from events.models import Registration
from members.models import User
from members.services import member_profiles
from mentoring.models import Match
from projects.measures import latest_verdict, measure_analysis
from projects.models import ChangeIdea, Cycle, Measure, Project
from resources.models import Resource

pytestmark = pytest.mark.django_db


def test_seed_scale_builds_every_part_of_the_network_in_proportion():
    call_command("seed_scale", factor=0.01)

    assert member_profiles().count() == 200
    assert Post.objects.count() >= Thread.objects.count() * 2 > 0
    assert Registration.objects.count() > 0 and Match.objects.count() == 50
    assert Resource.objects.filter(rating_count__gt=0).exists()


def test_seed_scale_builds_projects_with_their_parts_and_the_measures_the_benchmarks_need():
    call_command("seed_scale", factor=0.01)

    assert Project.objects.count() == 20
    assert Project.objects.exclude(team__role="lead").count() == 0
    assert Cycle.objects.exists() and ChangeIdea.objects.filter(adopted_from__isnull=False)
    showcase = Project.objects.get(slug="scale-project-0000")
    assert sorted(showcase.measures.values_list("chart", flat=True)) == sorted(
        ["run", "i", "p", "u", "c", "run"]
    )
    sizes = {measure: measure.samples.count() for measure in Measure.objects.all()}
    assert [size for size in sizes.values() if size > 40] == [1000]
    assert all(12 <= size <= 40 for size in sizes.values() if size != 1000)
    # Each measure keeps what its analysis shows; a fair share show an improvement.
    measures = Measure.objects.prefetch_related("samples", "phases")
    for measure in measures:
        assert (measure.verdict, measure.verdict_since) == latest_verdict(
            measure_analysis(measure)
        ), measure
    assert any(measure.verdict == "improvement" for measure in measures)


def test_seed_scale_refuses_a_database_with_members(member):
    with pytest.raises(CommandError, match="has members already"):
        call_command("seed_scale", factor=0.01)
    assert User.objects.count() == 1
