"""`make bench`: the platform's speed at national scale, measured the same way every time.

    python -m tooling.bench [--seconds 10] [--rate 50] [--no-bulletin] [--mixed-only]
                            [--markdown-only] [--projects-only] [--audiences-only]
                            [--database network_bench]

It works in a database of its own, network_bench, on the server DATABASE_URL names (built
once by seed_scale, then reused), and serves the site with gunicorn (DEBUG off, several
workers) on loopback. For each main page it reports the SQL queries of one request, the
median and 95th percentile latency at a fixed rate (network/bench_load.py), the errors, and
the page's throughput at saturation as a share of a minimal Django view's. Then mixed traffic
over every page with replies, the bulletin fan-out through Celery beside a plain smtplib loop,
cohort matching beside greedy, and 100 members registering at once for 10 places. Last, member
Markdown: every entry of a hostile corpus (network/hostile_markdown.py) through the one
renderer; and the improvement projects: each kind of chart analysing a measure of 1,000 points,
the list's queries at two sizes; and the eBulletin's audiences counted with every member
subscribed. The tables are printed and written into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2

BENCH_DATABASE = "network_bench"
ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "docs" / "benchmarks.md"
START_MARK, END_MARK = "<!-- make bench: start -->", "<!-- make bench: end -->"
MARKDOWN_START = "<!-- make bench markdown: start -->"
MARKDOWN_END = "<!-- make bench markdown: end -->"
TARGET_P95_MS, TARGET_SHARE = 150, 0.2
TARGET_MARKDOWN_MS = 50
PROJECTS_START = "<!-- make bench projects: start -->"
PROJECTS_END = "<!-- make bench projects: end -->"
TARGET_ANALYSIS_MS = 20
LONG_MEASURE = 1_000
AUDIENCES_START = "<!-- make bench audiences: start -->"
AUDIENCES_END = "<!-- make bench audiences: end -->"
TARGET_AUDIENCE_MS = 200


def bench_database_url(url: str, name: str = BENCH_DATABASE) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def ensure_database(url: str) -> None:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    # The server's maintenance database, reached the same way as the project's own.
    server = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    server.autocommit = True
    with server.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    server.close()


def database_name(name: str) -> str:
    # Written into CREATE DATABASE: letters, digits and underscores only.
    if not name.replace("_", "").isalnum() or not name.isascii():
        raise argparse.ArgumentTypeError("a database name is letters, digits and underscores")
    return name


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Page:
    title: str
    path: str
    queries: int = 0
    median: float = 0
    p95: float = 0
    failures: int = 0
    requests: int = 0
    rps: float = 0
    share: float = 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10, help="measured seconds per page")
    parser.add_argument("--rate", type=int, default=50, help="requests per second per page")
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 2) * 2)
    parser.add_argument("--no-bulletin", action="store_true", help="skip the 20,000 e-mails")
    parser.add_argument(
        "--database",
        default=BENCH_DATABASE,
        type=database_name,
        help="the benchmark network's database, on the server DATABASE_URL names",
    )
    parser.add_argument(
        "--mixed-seconds", type=float, default=180, help="length of the mixed-traffic run"
    )
    parser.add_argument(
        "--mixed-only", action="store_true", help="only the mixed-traffic run; the report is kept"
    )
    parser.add_argument(
        "--markdown-only",
        action="store_true",
        help="only the hostile Markdown corpus (no database, a few seconds); its table is written",
    )
    parser.add_argument(
        "--projects-only",
        action="store_true",
        help="only the improvement projects: 1,000-point measures analysed, the list and a "
        "project page with six charts under load, the list's queries at two sizes; its table "
        "is written",
    )
    parser.add_argument(
        "--audiences-only",
        action="store_true",
        help="only the eBulletin's audiences counted (a minute, no server); its table is written",
    )
    args = parser.parse_args(argv)
    if args.markdown_only:
        return markdown_bench()

    source = os.environ.get("DATABASE_URL")
    if not source:
        print("DATABASE_URL is not set: run this through `make bench`.", file=sys.stderr)
        return 2
    os.environ["DATABASE_URL"] = bench_database_url(source, args.database)
    ensure_database(os.environ["DATABASE_URL"])
    # This process only prepares and measures; the site itself runs with DEBUG off below.
    os.environ["DEBUG"] = "true"
    os.environ.setdefault("SECRET_KEY", f"bench-{secrets.token_urlsafe(24)}")
    static_root = tempfile.mkdtemp(prefix="network-bench-static-")
    os.environ["STATIC_ROOT"] = static_root
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "network.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from members.models import User

    call_command("migrate", verbosity=0)
    if not User.objects.exists():
        call_command("seed_scale")
    ensure_projects()
    from members.services import member_profiles

    members = member_profiles().count()
    if args.projects_only:
        return projects_bench(args, static_root, members)
    if args.audiences_only:
        write_audiences_report(members)
        return 0
    pages, cookie = prepare_pages(main_pages() + project_pages())
    replies = reply_thread(cookie)
    port = free_port()
    server = start_gunicorn(port, args.workers, static_root)
    try:
        base = f"http://127.0.0.1:{port}"
        mixed = mixed_traffic(base, pages, cookie, replies.get_absolute_url(), args)
        replies.delete()
        print(f"  mixed traffic: {mixed}", flush=True)
        if args.mixed_only:
            return 0 if mixed["failures"] == 0 else 1
        minimal = Page("Minimal Django view", "/ping/")
        for page in [minimal, *pages]:
            load(page, base, cookie, rate=args.rate, seconds=args.seconds)
            page.share = page.rps / minimal.rps if minimal.rps else 0
            print(f"  {page.title}: p95 {page.p95:.0f} ms, {page.rps:.0f}/s", flush=True)
        race = registration_race(base)
    finally:
        server.terminate()
        server.wait(timeout=30)
    cohort = cohort_matching()
    bulletin = None if args.no_bulletin else bulletin_fan_out()
    report = table(pages, minimal, race, cohort, bulletin, mixed, args, members)
    print(report)
    write_report(report)
    markdown_bench()
    write_projects_report(
        [page for page in pages if page.path.startswith("/projects/")], minimal, args, members
    )
    write_audiences_report(members)
    return 0


# --- the eBulletin's audiences ----------------------------------------------------------------


def audience_timings(repeats: int = 20) -> list[dict]:
    """The count a curator sees on the compose page and the confirmation page, and the send's
    own list of recipients (bulletins.audiences.audience_members): with every member of the
    network subscribed, for a bulletin to everyone and one to a region, two sectors, the
    largest community and the three commonest interests. Each is counted once to warm up,
    then `repeats` times. Everything is made in a transaction rolled back afterwards."""
    import statistics

    from django.db import connection, transaction
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext

    from bulletins.audiences import audience_in_words, audience_members
    from bulletins.models import Bulletin
    from communities.models import Community
    from members.models import Profile, Region, Sector, Topic

    def measured(bulletin: Bulletin) -> dict:
        audience_members(bulletin=bulletin).count()
        spent = []
        for _ in range(repeats):
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                count = audience_members(bulletin=bulletin).count()
            spent.append((time.perf_counter() - started) * 1000)
        return {
            "audience": audience_in_words(bulletin),
            "members": count,
            "queries": len(queries),
            "median_ms": statistics.median(spent),
            "slowest_ms": max(spent),
            "repeats": repeats,
        }

    with transaction.atomic():
        Profile.objects.update(receives_bulletin=True)
        # The statistics a live network has (autovacuum keeps them), here inside the
        # transaction: planned for no subscriber, the count would be a slow nested loop.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE members_profile")
        everyone = Bulletin.objects.create(title="Bench: everyone", slug="bench-audience-everyone")
        chosen = Bulletin.objects.create(
            title="Bench: chosen members",
            slug="bench-audience-chosen",
            audience_regions=[Region.NORTH],
            audience_sectors=[Sector.NHS, Sector.THIRD_SECTOR],
        )
        largest = Community.objects.annotate(size=Count("memberships")).order_by("-size", "pk")
        chosen.audience_communities.set(largest[:1])
        commonest = Topic.objects.annotate(size=Count("interested_members")).order_by("-size", "pk")
        chosen.audience_interests.set(commonest[:3])
        timings = [measured(everyone), measured(chosen)]
        transaction.set_rollback(True)
    return timings


def write_audiences_report(members: int) -> None:
    report = audiences_table(audience_timings(), members)
    print(report)
    write_report(report, start=AUDIENCES_START, end=AUDIENCES_END, heading="eBulletin audiences")


def audiences_table(timings: list[dict], members: int) -> str:
    def verdict(ok: bool) -> str:
        return "yes" if ok else "**no**"

    repeats = timings[0]["repeats"] if timings else 0
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {machine()}; {members:,} members, every one "
        f"subscribed; the machine's load average {os.getloadavg()[0]:.1f} as it finished.",
        "",
        f"| a bulletin to | members it goes to | SQL queries | count, median of {repeats} (ms) "
        f"| slowest (ms) | slowest under {TARGET_AUDIENCE_MS} ms |",
        "|---|---|---|---|---|---|",
    ]
    for timing in timings:
        lines.append(
            f"| {timing['audience']} | {timing['members']:,} | {timing['queries']} "
            f"| {timing['median_ms']:.0f} | {timing['slowest_ms']:.0f} "
            f"| {verdict(timing['slowest_ms'] < TARGET_AUDIENCE_MS)} |"
        )
    return "\n".join(lines)


# --- improvement projects ---------------------------------------------------------------------


def ensure_projects() -> None:
    """A benchmark network built before there were projects gets its 2,000 now."""
    from projects.models import Project
    from tooling.scale import Size, seed_scale_projects

    if not Project.objects.exists():
        seed_scale_projects(Size().projects)


def projects_bench(args, static_root: str, members: int) -> int:
    """`--projects-only`: the projects' pages through gunicorn, then the analysis."""
    pages, cookie = prepare_pages(project_pages())
    port = free_port()
    server = start_gunicorn(port, args.workers, static_root)
    try:
        base = f"http://127.0.0.1:{port}"
        minimal = Page("Minimal Django view", "/ping/")
        for page in [minimal, *pages]:
            load(page, base, cookie, rate=args.rate, seconds=args.seconds)
            page.share = page.rps / minimal.rps if minimal.rps else 0
            print(f"  {page.title}: p95 {page.p95:.0f} ms, {page.rps:.0f}/s", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    write_projects_report(pages, minimal, args, members)
    return 0


def project_pages() -> list[Page]:
    from django.db.models import Count

    from projects.models import Project

    showcase = (
        Project.objects.annotate(charts=Count("measures"))
        .filter(charts=6, visibility=Project.Visibility.MEMBERS)
        .order_by("pk")
        .first()
    )
    if showcase is None:
        raise SystemExit("No project with six measures: build the network with seed_scale.")
    return [
        # Measured in the same minutes as the projects' pages, so that a busy machine shows
        # as a slower list beside them rather than as slower projects.
        Page("Communities (for comparison)", "/communities/"),
        Page("Projects", "/projects/"),
        Page("A project with six charts", showcase.get_absolute_url()),
    ]


def analysis_timings(repeats: int = 50) -> list[dict]:
    """For each kind of chart, a measure of 1,000 points from the network: its points read
    from the database (once), then analysed `repeats` times, in CPU time so that other
    processes on a shared machine count as little as they can. The garbage the benchmark made
    before is collected first, so that its collection is not counted as the analysis's."""
    import gc
    import statistics

    from django.db.models import Count

    from projects import spc
    from projects.models import Measure

    def number(amount):
        return None if amount is None else float(amount)

    timings = []
    for chart in spc.CHARTS:
        measure = (
            Measure.objects.annotate(points=Count("samples"))
            .filter(chart=chart, points__gte=LONG_MEASURE)
            .order_by("pk")
            .first()
        )
        if measure is None:
            continue
        started = time.perf_counter()
        rows = list(
            measure.samples.order_by("period", "pk").values_list(
                "period", "value", "numerator", "denominator"
            )
        )
        read = time.perf_counter() - started
        samples = [
            spc.Sample(period, number(value), number(numerator), number(denominator))
            for period, value, numerator, denominator in rows
        ]
        spent = []
        gc.collect()
        for _ in range(repeats):
            started = time.process_time()
            spc.analyse(
                chart=measure.chart,
                samples=samples,
                rules=measure.rules,
                direction=measure.direction,
                freeze=measure.baseline,
            )
            spent.append((time.process_time() - started) * 1000)
        timings.append(
            {
                "chart": chart,
                "rules": measure.rules,
                "points": len(samples),
                "read_ms": read * 1000,
                "median_ms": statistics.median(spent),
                "slowest_ms": max(spent),
                "repeats": repeats,
            }
        )
    return timings


def list_queries(keep: int = 20) -> list[dict]:
    """`/projects/` as the benchmark's member sees it: the SQL queries of one request with the
    whole network's projects, and again with all but `keep` of them made team-only (in a
    transaction rolled back afterwards)."""
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from members.services import member_profiles
    from projects.models import Project

    member = member_profiles().exclude(member__groups__isnull=False).order_by("pk")[0].member
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(member)

    def measured(label: str) -> dict:
        client.get("/projects/")
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/projects/")
        if response.status_code != 200:
            raise SystemExit(f"/projects/ answered {response.status_code}")
        listed = Project.objects.visible_to(member).count()
        return {"label": label, "listed": listed, "queries": len(queries)}

    sizes = [measured("the whole network")]
    with transaction.atomic():
        kept = list(Project.objects.order_by("pk").values_list("pk", flat=True)[:keep])
        Project.objects.exclude(pk__in=kept).update(visibility=Project.Visibility.TEAM)
        sizes.append(measured(f"all but {keep} projects made team-only"))
        transaction.set_rollback(True)
    return sizes


def write_projects_report(pages, minimal, args, members) -> None:
    report = projects_table(analysis_timings(), list_queries(), pages, minimal, args, members)
    print(report)
    write_report(report, start=PROJECTS_START, end=PROJECTS_END, heading="Improvement projects")


def projects_table(timings, sizes, pages, minimal, args, members) -> str:
    from projects.models import Project

    def verdict(ok: bool) -> str:
        return "yes" if ok else "**no**"

    repeats = timings[0]["repeats"] if timings else 0
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {machine()}; {members:,} members, "
        f"{Project.objects.count():,} projects; the machine's load average "
        f"{os.getloadavg()[0]:.1f} as it finished (other work on the same cores).",
        "",
        "| analysing a measure of 1,000 points | rules | reading its points (ms) "
        f"| analysis, median of {repeats} (ms) | slowest (ms) "
        f"| median under {TARGET_ANALYSIS_MS} ms |",
        "|---|---|---|---|---|---|",
    ]
    for timing in timings:
        lines.append(
            f"| {spc_chart_name(timing['chart'])} | {timing['rules']} "
            f"| {timing['read_ms']:.1f} | {timing['median_ms']:.1f} "
            f"| {timing['slowest_ms']:.1f} | {verdict(timing['median_ms'] < TARGET_ANALYSIS_MS)} |"
        )
    lines += [
        "",
        f"gunicorn with {args.workers} workers, DEBUG off, {args.rate} requests a second for "
        f"{args.seconds:.0f} s (the minimal view: median {minimal.median:.0f} ms, "
        f"{minimal.rps:.0f}/s at saturation).",
        "",
        "| page | SQL queries | median (ms) | p95 (ms) | errors | throughput (/s) "
        "| p95 under 150 ms, no errors |",
        "|---|---|---|---|---|---|---|",
    ]
    for page in pages:
        quick = page.p95 < TARGET_P95_MS and not page.failures
        lines.append(
            f"| {page.title} | {page.queries} | {page.median:.0f} | {page.p95:.0f} "
            f"| {page.failures} | {page.rps:.0f} | {verdict(quick)} |"
        )
    lines += [
        "",
        "| `/projects/` for a member | projects they may see | SQL queries |",
        "|---|---|---|",
        *(f"| {size['label']} | {size['listed']:,} | {size['queries']} |" for size in sizes),
        "",
        f"The same number of queries at both sizes: "
        f"{verdict(len({size['queries'] for size in sizes}) == 1)}.",
    ]
    return "\n".join(lines)


def spc_chart_name(chart: str) -> str:
    return {"run": "run chart", "i": "I chart", "p": "P chart", "u": "U chart", "c": "C chart"}[
        chart
    ]


def markdown_timings(repeats: int = 5) -> list[dict]:
    """Each corpus entry through render_markdown with its cache emptied: the CPU time of the
    best of a few runs, so other processes on a shared machine count as little as they can."""
    from base.markdown import _rendered, render_markdown
    from tooling.hostile_markdown import hostile_corpus

    timings = []
    for family, size, text in hostile_corpus():
        best = float("inf")
        for _ in range(repeats):
            _rendered.cache_clear()
            started = time.process_time()
            render_markdown(text)
            best = min(best, time.process_time() - started)
        timings.append({"family": family, "size": size, "ms": best * 1000})
    _rendered.cache_clear()
    return timings


def markdown_table(timings: list[dict]) -> str:
    from tooling.hostile_markdown import SIZES

    slowest = max(timings, key=lambda timing: timing["ms"])
    over = [timing for timing in timings if timing["ms"] >= TARGET_MARKDOWN_MS]
    met = "yes" if not over else f"**no** ({len(over)} of {len(timings)} entries over)"
    by_family: dict[str, dict[int, float]] = {}
    for timing in timings:
        by_family.setdefault(timing["family"], {})[timing["size"]] = timing["ms"]
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores, Python "
        f"{platform.python_version()}: {len(timings)} entries ({len(by_family)} shapes at "
        f"{', '.join(f'{size:,}' for size in SIZES)} characters), each rendered through "
        "`render_markdown` with its cache emptied: CPU time, best of 5.",
        "",
        f"**Slowest: {slowest['ms']:.1f} ms** ({slowest['family']}, {slowest['size']:,} "
        f"characters). Every entry under {TARGET_MARKDOWN_MS} ms: {met}.",
        "",
        "| shape | "
        + " | ".join(f"{size:,} chars (ms)" for size in SIZES)
        + f" | {SIZES[-1]:,} against {SIZES[0]:,} (linear: {SIZES[-1] // SIZES[0]}) |",
        "|---|" + "---|" * len(SIZES) + "---|",
    ]
    smallest, largest = SIZES[0], SIZES[-1]
    for family, sizes in sorted(by_family.items(), key=lambda item: -item[1][largest]):
        growth = sizes[largest] / sizes[smallest] if sizes[smallest] else 0
        cells = " | ".join(
            f"**{sizes[size]:.1f}**" if sizes[size] >= TARGET_MARKDOWN_MS else f"{sizes[size]:.1f}"
            for size in SIZES
        )
        lines.append(f"| {family} | {cells} | {growth:.1f} |")
    return "\n".join(lines)


def markdown_bench() -> int:
    report = markdown_table(markdown_timings())
    print(report)
    write_report(report, start=MARKDOWN_START, end=MARKDOWN_END, heading="Member Markdown")
    return 0


def main_pages() -> list[Page]:
    """The main pages, with real addresses from the large network."""
    from django.db.models import Count
    from django.utils import timezone

    from bulletins.models import Bulletin
    from communities.models import Community, Thread
    from events.models import Event
    from insights.services import figures_refresh
    from members.services import member_profiles

    figures_refresh()  # as beat does every ten minutes
    other = member_profiles().exclude(member__groups__isnull=False).order_by("pk")[1]
    thread = (
        Thread.objects.filter(community__privacy=Community.Privacy.OPEN)
        .annotate(written=Count("posts"))
        .order_by("-written", "pk")
        .first()
    )
    event = Event.objects.filter(starts_at__gt=timezone.now()).order_by("starts_at").first()
    bulletin = Bulletin.objects.filter(sent_at__isnull=False).order_by("-sent_at").first()
    return [
        Page("Home", "/"),
        Page("Directory, one region", "/members/?region=east"),
        Page("A profile", other.get_absolute_url()),
        Page("Communities", "/communities/"),
        Page(f"A busy thread ({thread.written} posts)", f"{thread.get_absolute_url()}?page=last"),
        Page("Events", "/events/"),
        Page("An event", event.get_absolute_url()),
        Page("Resources search", "/resources/?q=frailty"),
        Page("A bulletin", bulletin.get_absolute_url()),
        Page("Insights", "/insights/"),
        Page("Search", "/search/?q=discharge+planning"),
    ]


def prepare_pages(pages: list[Page]) -> tuple[list[Page], str]:
    """Each page's SQL queries counted for one request in this process, and a signed-in
    member's session cookie."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from members.services import member_profiles

    member = member_profiles().exclude(member__groups__isnull=False).order_by("pk")[0].member
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(member)
    for page in pages:
        client.get(page.path)  # caches warm, as on a live site
        with CaptureQueriesContext(connection) as queries:
            response = client.get(page.path)
        if response.status_code != 200:
            raise SystemExit(f"{page.path} answered {response.status_code}")
        page.queries = len(queries)
    return (
        pages,
        f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}",
    )


def reply_thread(cookie: str):
    """A thread of its own for the mixed run's replies, in a community the benchmark's member
    belongs to; deleted afterwards, so runs leave the network as they found it."""
    from communities.models import Community
    from communities.services import thread_start
    from members.models import MemberSession, User

    session = MemberSession.objects.get(session_key=cookie.split("=", 1)[1])
    member = User.objects.get(pk=session.member_id)
    community = Community.objects.filter(memberships__member=member).order_by("pk")[0]
    return thread_start(
        community=community, author=member, title="Benchmark replies", body="Replies go here."
    )


def mixed_traffic(base: str, pages, cookie: str, reply_to: str, args) -> dict:
    """Members at the target rate across every main page at once, one request in twenty a
    reply to a thread: the errors must be none."""
    urls = "|".join(base + page.path for page in pages)
    result = _run_load(urls, cookie, args.rate, 1, args.mixed_seconds, reply_to)
    return {**result, "seconds": args.mixed_seconds, "rate": args.rate}


def start_gunicorn(port: int, workers: int, static_root: str) -> subprocess.Popen:
    """The site as production serves it: DEBUG off, static files hashed and served by
    whitenoise (so collected first, with the same settings)."""
    environment = {
        **os.environ,
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "SECURE_HSTS_SECONDS": "0",
        "EMAIL_BACKEND": "console",
        "STATIC_ROOT": static_root,
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=environment,
        check=True,
    )
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "network.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=environment,
    )
    for _ in range(100):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/ping/", timeout=2):
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not start")


def _run_load(
    url: str, cookie: str, users: int, rate: float, seconds: float, reply_to: str = ""
) -> dict:
    finished = subprocess.run(
        [
            sys.executable,
            "-m",
            "tooling.bench_load",
            url,
            cookie,
            str(users),
            str(rate),
            str(seconds),
            *([reply_to] if reply_to else []),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(finished.stdout.strip().splitlines()[-1])


def load(page: Page, base: str, cookie: str, *, rate: int, seconds: float) -> None:
    # A fixed rate: `rate` members, each asking once a second.
    steady = _run_load(base + page.path, cookie, rate, 1, seconds)
    page.median, page.p95 = steady["median"], steady["p95"]
    page.failures, page.requests = steady["failures"], steady["requests"]
    # Saturation: a few members asking again as soon as they are answered.
    page.rps = _run_load(base + page.path, cookie, 8, 0, seconds / 2)["rps"]


def registration_race(base: str, attempts: int = 100, places: int = 10) -> dict:
    """100 members press "Register" at the same moment, through the web server, for an event
    with 10 places: each with their own session, all released by one barrier."""
    from django.conf import settings
    from django.test import Client
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from events.models import Event, Registration
    from members.services import member_profiles

    organiser = member_profiles().order_by("pk").first().member
    event = Event.objects.create(
        kind=Event.Kind.MASTERCLASS,
        title="Benchmark masterclass",
        slug=f"benchmark-masterclass-{int(time.time())}",
        summary="A full masterclass.",
        starts_at=timezone.now() + timezone.timedelta(days=30),
        ends_at=timezone.now() + timezone.timedelta(days=30, hours=2),
        format=Event.Format.ONLINE,
        organiser=organiser,
        capacity=places,
    )
    sessions = []
    for profile in member_profiles().order_by("-pk")[:attempts]:
        client = Client()
        client.force_login(profile.member)
        sessions.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
    address = f"{base}/events/{event.slug}/register/"
    start = threading.Barrier(len(sessions) + 1)
    answers, failures = [], []

    def press_register(session: str) -> None:
        token = get_random_string(32)
        request = urllib.request.Request(  # noqa: S310 (our own server on loopback)
            address,
            data=b"",
            method="POST",
            headers={
                "Cookie": f"{settings.SESSION_COOKIE_NAME}={session}; "
                f"{settings.CSRF_COOKIE_NAME}={token}",
                "X-CSRFToken": token,
            },
        )
        start.wait()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                answers.append(response.status)
        except OSError as error:
            failures.append(error)

    threads = [threading.Thread(target=press_register, args=[session]) for session in sessions]
    for thread in threads:
        thread.start()
    start.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join(timeout=120)
    seconds = time.perf_counter() - started
    confirmed = Registration.objects.filter(
        event=event, status=Registration.Status.CONFIRMED
    ).count()
    waiting = Registration.objects.filter(event=event, status=Registration.Status.WAITING).count()
    event.delete()
    return {
        "attempts": attempts,
        "places": places,
        "confirmed": confirmed,
        "waiting": waiting,
        "failures": len(failures) + sum(1 for status in answers if status != 200),
        "seconds": seconds,
    }


def cohort_matching() -> dict:
    from tooling.bench_cohort import run

    return run(3000, 600)


def bulletin_fan_out() -> dict:
    from tooling.bench_bulletin import run

    return run(20_000, os.cpu_count() or 2)


def machine() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    model = "unknown processor"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return (
        f"{os.cpu_count()} cores ({model}), {memory:.0f} GiB, {platform.system()}, "
        f"Python {platform.python_version()}, PostgreSQL {postgres.split()[0]}"
    )


def table(pages, minimal, race, cohort, bulletin, mixed, args, members) -> str:
    def verdict(ok: bool) -> str:
        return "yes" if ok else "**no**"

    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {machine()}; "
        f"{members:,} members. gunicorn with {args.workers} workers, DEBUG "
        f"off; the load generator (threads) on the same machine, {args.rate} requests a second for "
        f"{args.seconds:.0f} s per page, then saturation with 8 simulated members.",
        "",
        "| page | SQL queries | median (ms) | p95 (ms) | errors | throughput (/s) "
        "| share of minimal view | p95 under 150 ms, no errors | share over 1/5 |",
        "|---|---|---|---|---|---|---|---|---|",
        f"| {minimal.title} | 0 | {minimal.median:.0f} | {minimal.p95:.0f} | {minimal.failures} "
        f"| {minimal.rps:.0f} | 100% | | |",
    ]
    for page in pages:
        quick = page.p95 < TARGET_P95_MS and not page.failures
        lines.append(
            f"| {page.title} | {page.queries} | {page.median:.0f} | {page.p95:.0f} "
            f"| {page.failures} | {page.rps:.0f} | {page.share:.0%} | {verdict(quick)} "
            f"| {verdict(page.share >= TARGET_SHARE)} |"
        )
    lines += [
        "",
        "| other measure | result | target met |",
        "|---|---|---|",
        f"| {race['attempts']} members press Register at once for {race['places']} places "
        f"| {race['confirmed']} confirmed, {race['waiting']} waiting, {race['failures']} errors, "
        f"{race['seconds']:.2f} s | {verdict(race['confirmed'] == race['places'])} |",
        f"| cohort matching, 3,000 mentees and 600 mentors | {cohort['seconds']:.2f} s, "
        f"total score {cohort['total']:.0f} (greedy {cohort['greedy_total']:.0f} in "
        f"{cohort['greedy_seconds']:.2f} s) | {verdict(cohort['seconds'] < 2)} |",
        f"| mixed member traffic: every page above and replies, {mixed['rate']} a second for "
        f"{mixed['seconds']:.0f} s | {mixed['requests']:,} requests, {mixed['failures']} errors, "
        f"median {mixed['median']:.0f} ms, p95 {mixed['p95']:.0f} ms "
        f"| {verdict(mixed['failures'] == 0)} |",
    ]
    if bulletin:
        share = bulletin["celery_rate"] / bulletin["plain_rate"] if bulletin["plain_rate"] else 0
        lines.append(
            f"| bulletin to {bulletin['members']:,} members through Celery | "
            f"{bulletin['celery_rate']:.0f}/s, {share:.0%} of a plain smtplib loop "
            f"({bulletin['plain_rate']:.0f}/s), {bulletin['duplicates']} duplicates | "
            f"{verdict(bulletin['celery_rate'] >= 300 and share >= 0.5)} |"
        )
    return "\n".join(lines)


def write_report(
    report: str, *, start: str = START_MARK, end: str = END_MARK, heading: str = "make bench"
) -> None:
    text = REPORT.read_text(encoding="utf-8")
    block = f"{start}\n{report}\n{end}"
    if start in text:
        before, rest = text.split(start, 1)
        text = before + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip() + f"\n\n## {heading}\n\n" + block + "\n"
    REPORT.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
