import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from base.spreadsheets import csv_download
from insights import measures, services, tasks
from insights.forms import AssessmentForm, MeasureFilterForm, StoryForm
from insights.models import Story
from members.roles import is_admin
from members.second_factor import staff_page

PAGE_SIZE = 10


def _coordinators_only(request) -> None:
    if not services.can_review(request.user):
        raise PermissionDenied


@login_required
def dashboard(request):
    can_review = services.can_review(request.user)
    filters = MeasureFilterForm(request.GET or None, narrowing=can_review)
    months, scope = filters.choice()
    figures = services.measure_results(months=months, scope=scope)
    trend = services.assessment_trend()
    bridging = services.network_bridging(request.user)
    if bridging is None:
        tasks.network_analysis_ask()
    return render(
        request,
        "insights/dashboard.html",
        {
            "filters": filters,
            "period": measures.PERIODS[months],
            "whose": filters.description(),
            "query": filters.query(),
            "features": services.measures_by_feature(
                results=figures["results"], viewer=request.user, trend=trend
            ),
            "computed_at": figures["computed_at"],
            "reach": services.reach(),
            "can_set_targets": is_admin(request.user),
            "bridging": bridging,
            "stories": list(Story.objects.visible_to(request.user).published().for_cards()[:3]),
            "trend": trend,
            "can_review": can_review,
            "to_review": Story.objects.visible_to(request.user)
            .filter(status=Story.Status.SUBMITTED)
            .count()
            if can_review
            else 0,
            "my_stories": Story.objects.filter(author=request.user).exclude(
                status=Story.Status.PUBLISHED
            ),
        },
    )


def story_list(request):
    stories = Story.objects.visible_to(request.user).published().for_cards()
    page = Paginator(stories, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "insights/story_list.html", {"page": page})


def story_detail(request, story_id):
    story = services.story_for(request.user, story_id)
    community, event = services.story_links(story, request.user)
    return render(
        request,
        "insights/story.html",
        {
            "story": story,
            "community": community,
            "event": event,
            "chart": services.story_chart(story, request.user),
            "can_review": services.can_review(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def story_create(request):
    # From the prompt beside a measure's chart: the story starts with the chart attached.
    started = services.story_prefill(author=request.user, measure_id=request.GET.get("measure"))
    form = StoryForm(
        request.POST if request.method == "POST" else None, author=request.user, initial=started
    )
    if request.method == "POST" and form.is_valid():
        story = services.story_submit(story=form.save(commit=False), author=request.user)
        messages.success(
            request,
            "Thank you for your story. A coordinator will read it before it is published.",
        )
        return redirect(story)
    return render(request, "insights/story_form.html", {"form": form})


@login_required
@staff_page
def story_review_list(request):
    _coordinators_only(request)
    waiting = (
        Story.objects.visible_to(request.user)
        .filter(status=Story.Status.SUBMITTED)
        .select_related("author")
    )
    page = Paginator(waiting.order_by("created_at"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "insights/review.html", {"page": page})


@login_required
@staff_page
@require_POST
def story_review(request, story_id):
    _coordinators_only(request)
    story = services.story_for(request.user, story_id)
    decision = request.POST.get("decision")
    if decision not in ("publish", "decline") or story.status != Story.Status.SUBMITTED:
        messages.error(request, "This story has already been reviewed.")
        return redirect(story)
    publish = decision == "publish"
    services.story_review(story=story, publish=publish, by=request.user)
    messages.success(
        request, "The story is published." if publish else "The story will not be published."
    )
    return redirect(story)


@login_required
@staff_page
@require_http_methods(["GET", "POST"])
def assessment(request):
    _coordinators_only(request)
    # ?year=2025 opens an earlier year's ratings to correct them.
    year = request.GET.get("year", "")
    year = int(year) if re.fullmatch(r"20\d\d", year) else timezone.localdate().year
    if request.method == "POST":
        form = AssessmentForm(request.POST)
        if form.is_valid():
            services.assessment_record(
                year=form.cleaned_data["year"], ratings=form.ratings(), by=request.user
            )
            messages.success(
                request, f"The self-assessment for {form.cleaned_data['year']} is saved."
            )
            return redirect("insights:dashboard")
    else:
        form = AssessmentForm(initial=AssessmentForm.initial_for(year))
    return render(request, "insights/assessment.html", {"form": form, "previous_year": year - 1})


@login_required
def measure_csv(request, key):
    measure = measures.MEASURES_BY_KEY.get(key)
    if measure is None:
        raise Http404
    can_review = services.can_review(request.user)
    filters = MeasureFilterForm(request.GET or None, narrowing=can_review)
    months, scope = filters.choice()
    result = services.measure_results(months=months, scope=scope)["results"][key]
    narrowed = "".join(
        f"-{part}"
        for part in (
            scope.region,
            scope.organisation_kind.replace("_", "-"),
            f"community-{scope.community}" if scope.community else "",
        )
        if part
    )
    response, writer = csv_download(f"{key}-{months}-months{narrowed}.csv")
    total = f"total for {measures.PERIODS[months]}"
    writer.writerow(["month", measure.title + (f" ({filters.description()})" if narrowed else "")])
    if measure.sensitive and not can_review:
        # Members get the whole period only, rounded: see measures.coarse.
        writer.writerow([total, measures.coarse(result.value)])
        writer.writerow(["the same length of time before", measures.coarse(result.previous)])
        return response

    def shown(amount):
        if amount is None:
            return ""
        return int(amount) if amount == int(amount) else amount

    for month, amount in result.series:
        writer.writerow([month.strftime("%Y-%m"), shown(amount)])
    if measure.total:
        writer.writerow([f"at the start of {measures.PERIODS[months]}", shown(result.previous)])
    else:
        writer.writerow([total, shown(result.value)])
        writer.writerow(["the same length of time before", shown(result.previous)])
    return response


@login_required
def reach_csv(request):
    response, writer = csv_download("reach.csv")
    writer.writerow(["by", "members in", "members now", "target", "share of target (%)"])
    for table in services.reach():
        for row in table["rows"]:
            writer.writerow(
                [
                    table["title"],
                    row["label"],
                    row["members"],
                    row["target"] or "",
                    "" if row["share"] is None else row["share"],
                ]
            )
    return response
