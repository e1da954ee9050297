"""Rules of the network's impact: the measured figures for the five features, reach against
targets, stories of change and the yearly self-assessment."""

from __future__ import annotations

from dataclasses import asdict

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from base.errors import NotFound
from insights import measures, network
from insights.models import Assessment, Feature, Story, Target
from members.models import Organisation, Region, User
from members.roles import COORDINATORS, is_coordinator
from members.services import member_profiles, named_to, notify, notify_role
from projects import charts, spc


def can_review(viewer) -> bool:
    return is_coordinator(viewer)


def story_for(viewer, story_id: int) -> Story:
    """The story, or NotFound for anyone who may not see it (Story.objects.visible_to); with
    whether the viewer may see its teller named (`author_named`)."""
    story = (
        Story.objects.visible_to(viewer)
        .for_cards()
        .annotate(author_named=named_to(viewer, "author_id"))
        .filter(pk=story_id)
        .first()
    )
    if story is None:
        raise NotFound("No such story")
    return story


def story_links(story: Story, viewer) -> tuple:
    """The community and event the story names, each only if this reader may see it: a
    community may have closed, or turned secret, since the story was told."""
    from communities.models import Community
    from events.models import Event

    community = event = None
    if (
        story.community_id
        and Community.objects.visible_to(viewer).filter(pk=story.community_id).exists()
    ):
        community = story.community
    if story.event_id and Event.objects.visible_to(viewer).filter(pk=story.event_id).exists():
        event = story.event
    return community, event


@transaction.atomic
def story_submit(*, story: Story, author: User) -> Story:
    story.author = author
    story.status = Story.Status.SUBMITTED
    story.save()
    notify_role(
        role=COORDINATORS,
        kind="story_submitted",
        message=f"shared a story of change: {story.title}",
        url=story.get_absolute_url(),
        by=author,
    )
    return story


@transaction.atomic
def story_review(*, story: Story, publish: bool, by: User) -> None:
    if not can_review(by):
        raise NotFound("No such story to review")
    story = Story.objects.select_for_update().get(pk=story.pk)
    story.status = Story.Status.PUBLISHED if publish else Story.Status.DECLINED
    story.reviewed_by = by
    story.published_at = timezone.now() if publish else None
    story.save(update_fields=["status", "reviewed_by", "published_at"])
    if story.author_id and story.author_id != by.pk:
        notify(
            member=story.author,
            kind="story_published" if publish else "story_declined",
            message=(
                f"Your story is published: {story.title}"
                if publish
                else f"Your story was not published this time: {story.title}"
            ),
            url=story.get_absolute_url(),
            actor=by,
        )


@transaction.atomic
def assessment_record(*, year: int, ratings: dict[str, tuple[int, str]], by: User) -> None:
    """Record (or correct) one year's rating of each feature."""
    for feature, (rating, evidence) in ratings.items():
        Assessment.objects.update_or_create(
            year=year,
            feature=feature,
            defaults={"rating": rating, "evidence": evidence, "recorded_by": by},
        )


def assessment_trend() -> dict:
    """Years as columns, features as rows: what the network said of itself, year by year."""
    assessments = list(Assessment.objects.all())
    years = sorted({assessment.year for assessment in assessments})
    by_key = {(assessment.feature, assessment.year): assessment for assessment in assessments}
    return {
        "years": years,
        "rows": [
            {
                "feature": feature.label,
                "cells": [by_key.get((feature.value, year)) for year in years],
            }
            for feature in Feature
        ],
    }


FIGURES_SECONDS = 10 * 60  # beat works the network-wide figures out again this often


def figures_key(months: int, scope: measures.Scope) -> str:
    # The measures' names are part of the key, so figures cached before a release that adds or
    # renames a measure are never read after it. The day is not: at midnight every view would
    # be worked out again at once.
    return ":".join(
        [
            "insights:figures",
            measures.FINGERPRINT,
            str(months),
            scope.region,
            scope.organisation_kind,
            str(scope.community or ""),
        ]
    )


def measure_results(*, months: int, scope: measures.Scope, fresh: bool = False) -> dict:
    """Every measure's result for the period and scope, worked out at most every ten minutes:
    the dashboard, its CSVs and the next coordinator read the same figures from the cache."""
    key = figures_key(months, scope)
    figures = None if fresh else cache.get(key)
    if figures is None:
        period = measures.Period(months, timezone.localdate())
        figures = {
            "results": {m.key: m.compute(period, scope) for m in measures.MEASURES},
            "computed_at": timezone.now(),
        }
        cache.set(key, figures, FIGURES_SECONDS + 60)
    return figures


def figures_refresh() -> int:
    """Work out before anyone asks what is asked most: the whole network for each period,
    and each region and type of organisation for the default year. A community's figures
    (or another combination) are worked out on the first request and kept as long."""
    scopes = [(months, measures.EVERYONE) for months in measures.PERIODS]
    scopes += [(12, measures.Scope(region=region)) for region in Region.values]
    scopes += [(12, measures.Scope(organisation_kind=kind)) for kind in Organisation.Kind.values]
    for months, scope in scopes:
        measure_results(months=months, scope=scope, fresh=True)
    return len(scopes)


def measures_by_feature(*, results: dict, viewer, trend: dict) -> list[dict]:
    """Every measure's figure, change and chart, grouped under its feature beside the
    network's own rating of that feature in recent years. Members see the sensitive measures
    only for the whole period, rounded (measures.coarse)."""
    see_all = can_review(viewer)
    grouped = []
    for feature, trend_row in zip(Feature, trend["rows"], strict=True):
        rows = []
        for measure in (m for m in measures.MEASURES if m.feature == feature):
            result = results[measure.key]
            if measure.sensitive and not see_all:
                rows.append(
                    {
                        "measure": measure,
                        "coarse": True,
                        "value": measures.coarse(result.value),
                        "previous": measures.coarse(result.previous),
                    }
                )
            else:
                rows.append(
                    {
                        "measure": measure,
                        "result": result,
                        **measure_chart(measure=measure, result=result),
                    }
                )
        ratings = [cell for cell in trend_row["cells"] if cell]
        grouped.append(
            {
                "key": feature.value,
                "feature": feature.label,
                "measures": rows,
                "ratings": ratings[-3:],
            }
        )
    return grouped


def measure_chart(*, measure: measures.Measure, result: measures.Result) -> dict:
    """The measure month by month as a run chart: its median, and Anhøj's signals of a change
    read in the direction that is better for the network. A month in progress is left out
    of a count (it would look like a fall) and shown beside the chart instead; a running
    total is as true today as at a month's end, so it stays."""
    series, in_progress = result.series, None
    if series and not measure.total:
        *series, in_progress = series
    # An average of nothing is no figure (a rating is at least 1), not a zero.
    present = [None if measure.average and not amount else amount for _, amount in series]
    if in_progress and measure.average and not in_progress[1]:
        in_progress = None
    analysis = spc.analyse(
        chart="run",
        samples=[
            spc.Sample(period=month, value=amount)
            for (month, _), amount in zip(series, present, strict=True)
        ],
        rules="anhoj",
        direction=measure.better,
    )
    chart = charts.figure(analysis, title=measure.title, unit=measure.unit, width=360, height=220)
    heading = "At the end of the month" if measure.total else "In the month"
    chart["value_heading"] = f"{heading} ({measure.unit})" if measure.unit else heading
    return {"chart": chart, "in_progress": in_progress}


def reach() -> list[dict]:
    """Members now in each region, type of organisation and sector, against the admin's
    targets."""
    targets = {(target.dimension, target.value): target.members for target in Target.objects.all()}
    profile_field = {
        Target.Dimension.REGION: "region",
        Target.Dimension.ORGANISATION_KIND: "organisation__kind",
        Target.Dimension.SECTOR: "sector",
    }
    # The counts change slowly and are read from the cache like the measures; the targets are
    # read afresh, so an admin sees a new target at once.
    counted = cache.get("insights:reach")
    if counted is None:
        counted = {
            dimension: dict(
                member_profiles()
                .values(field_name)
                .annotate(count=Count("pk"))
                .values_list(field_name, "count")
            )
            for dimension, field_name in profile_field.items()
        }
        cache.set("insights:reach", counted, FIGURES_SECONDS)
    tables = []
    for dimension in profile_field:
        counts = counted[dimension]
        rows = []
        for value, label in Target.choices_for(dimension):
            target = targets.get((dimension, value))
            have = counts.get(value, 0)
            rows.append(
                {
                    "label": label,
                    "members": have,
                    "target": target,
                    "share": round(100 * have / target) if target else None,
                }
            )
        tables.append({"dimension": dimension, "title": dimension.label, "rows": rows})
    return tables


BRIDGING_LOCK = "insights:bridging:queued"
BRIDGING_LOCK_SECONDS = 30 * 60


BRIDGING_KEY = "insights:bridging"


def network_bridging(viewer) -> dict | None:
    """The latest network analysis, named for this viewer's page, or None while the first is
    prepared (the page then asks a worker for one: insights.tasks.network_analysis_ask)."""
    analysis = cache.get(BRIDGING_KEY)
    if analysis is None:
        return None
    result = network.Bridging(**analysis["result"])
    return {**analysis, **network.named(analysis["result"], viewer), "result": result}


def network_bridging_refresh() -> dict:
    # Only ids, scores and counts are kept: never a member's name, which must go the moment
    # they close their account (members_erased below).
    analysis = {"result": asdict(network.bridging()), "computed_at": timezone.now()}
    # Kept until replaced: an old analysis is better than none if the worker falls behind.
    cache.set(BRIDGING_KEY, analysis, None)
    cache.delete(BRIDGING_LOCK)
    return analysis


def bridging_forget(member_id: int) -> None:
    """A member who closes their account leaves the cached analysis at once."""
    analysis = cache.get(BRIDGING_KEY)
    if analysis is None:
        return
    ranked = analysis["result"]["bridging_members"]
    analysis["result"]["bridging_members"] = [
        (member, score) for member, score in ranked if member != member_id
    ]
    cache.set(BRIDGING_KEY, analysis, None)
