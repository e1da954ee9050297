"""The projects' part of `make bench`, run small on the network seed_scale builds."""

import pytest
from django.core.management import call_command

from tooling import bench

pytestmark = pytest.mark.django_db


def test_the_projects_benchmark_times_long_measures_and_counts_the_lists_queries():
    call_command("seed_scale", factor=0.01)

    timings = bench.analysis_timings(repeats=2)
    sizes = bench.list_queries(keep=5)
    pages = bench.project_pages()

    assert [(timing["chart"], timing["points"]) for timing in timings] == [("run", 1000)]
    assert sizes[0]["listed"] > sizes[1]["listed"] >= 5
    assert sizes[0]["queries"] == sizes[1]["queries"]
    assert [page.path for page in pages] == [
        "/communities/",
        "/projects/",
        "/projects/scale-project-0000/",
    ]
    minimal = bench.Page("Minimal Django view", "/ping/")
    report = bench.projects_table(timings, sizes, pages, minimal, bench_arguments(), 200)
    assert "| run chart | ihi |" in report
    assert "The same number of queries at both sizes: yes." in report


def bench_arguments():
    return bench.argparse.Namespace(workers=2, rate=50, seconds=10)
