"""Rules of the network's impact: stories of change and the yearly self-assessment.

The measured figures for the five features arrive with the rest of issue #8.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from insights import measures, network
from insights.models import Assessment, Feature, Story
from members.models import User
from members.roles import COORDINATORS, is_coordinator
from members.services import notify, notify_role


def can_review(viewer) -> bool:
    return is_coordinator(viewer)


def published_stories() -> QuerySet[Story]:
    return (
        Story.objects.filter(status=Story.Status.PUBLISHED)
        .select_related("author", "author__profile__organisation", "community", "event")
        .order_by("-published_at", "-pk")
    )


def story_for(viewer, story_id: int) -> Story:
    """Published stories are for everyone; others for their author and the coordinators."""
    story = (
        Story.objects.select_related(
            "author", "author__profile__organisation", "community", "event"
        )
        .filter(pk=story_id)
        .first()
    )
    if story is None:
        raise Http404("No such story")
    if story.status != Story.Status.PUBLISHED and not (
        can_review(viewer) or (viewer.is_authenticated and story.author_id == viewer.pk)
    ):
        raise Http404("No such story")
    return story


def story_links(story: Story, viewer) -> tuple:
    """The community and event the story names, each only if this reader may see it: a
    community may have closed, or turned secret, since the story was told."""
    from communities.services import visible_communities
    from events.services import visible_events

    community = event = None
    if story.community_id and visible_communities(viewer).filter(pk=story.community_id).exists():
        community = story.community
    if story.event_id and visible_events(viewer).filter(pk=story.event_id).exists():
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
        message=f"{author.display_name} shared a story of change: {story.title}",
        url=story.get_absolute_url(),
        actor=author,
    )
    return story


@transaction.atomic
def story_review(*, story: Story, publish: bool, by: User) -> None:
    if not can_review(by):
        raise Http404
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


def measure_result(measure: measures.Measure, *, months: int, region: str) -> measures.Result:
    return measure.compute(measures.Period(months, timezone.localdate()), region)


def measures_by_feature(*, months: int, region: str) -> list[dict]:
    """Every measure's figure, change and chart, grouped under its feature."""
    period = measures.Period(months, timezone.localdate())
    grouped = []
    for feature in Feature:
        rows = []
        for measure in (m for m in measures.MEASURES if m.feature == feature):
            result = measure.compute(period, region)
            rows.append(
                {"measure": measure, "result": result, "bars": measures.bars(result.series)}
            )
        grouped.append({"feature": feature.label, "measures": rows})
    return grouped


BRIDGING_LOCK = "insights:bridging:queued"
BRIDGING_LOCK_SECONDS = 30 * 60


BRIDGING_KEY = "insights:bridging"


def network_bridging() -> dict | None:
    """The latest network analysis, named for the page, or None while the first is prepared.

    A national network's graph takes minutes to analyse, so no page request ever does it: beat
    refreshes it every 20 minutes (insights.tasks), and a page that finds none asks a worker
    for one, once (the lock), and says it is being prepared.
    """
    from insights.tasks import refresh_network_analysis

    analysis = cache.get(BRIDGING_KEY)
    if analysis is None and cache.add(BRIDGING_LOCK, True, BRIDGING_LOCK_SECONDS):
        refresh_network_analysis.delay_on_commit()
    return analysis


def network_bridging_refresh() -> dict:
    analysis = {**network.named(network.bridging()), "computed_at": timezone.now()}
    # Kept until replaced: an old analysis is better than none if the worker falls behind.
    cache.set(BRIDGING_KEY, analysis, None)
    cache.delete(BRIDGING_LOCK)
    return analysis
