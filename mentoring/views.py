from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import F
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from base.shortcuts import number_or_404
from members import hooks
from members.models import Profile
from members.roles import is_coordinator
from members.second_factor import staff_page
from members.services import email_visible_to
from mentoring import services
from mentoring.forms import (
    AnswerForm,
    ChoicesForm,
    CohortForm,
    FeedbackForm,
    MeetingForm,
    NeedsForm,
    OfferForm,
    PlanForm,
)
from mentoring.matching import Needs
from mentoring.models import Approach, Cohort, CohortPair, Match, MentoringRequest, MentorOffer
from mentoring.services import MentoringError


def _posted(request):
    return request.POST if request.method == "POST" else None


@login_required
def hub(request):
    member = request.user
    return render(
        request,
        "mentoring/hub.html",
        {
            "offer": MentorOffer.objects.filter(mentor=member).first(),
            "requests": MentoringRequest.objects.filter(mentee=member).prefetch_related(
                "approaches__mentor"
            )[:10],
            "asked": Approach.objects.filter(
                mentor=member, status=Approach.Status.PENDING
            ).select_related("request__mentee"),
            "matches": Match.objects.visible_to(member)
            .select_related("mentor", "mentee")
            .order_by("status", "-started_at"),
            "coordinator": is_coordinator(member),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def offer(request):
    existing = MentorOffer.objects.filter(mentor=request.user).first()
    form = OfferForm(_posted(request), instance=existing)
    if request.method == "POST" and form.is_valid():
        offer = form.save(commit=False)
        offer.mentor = request.user
        offer.save()
        form.save_m2m()
        # The profile and the directory's mentoring filter say what the offer says.
        Profile.objects.filter(member=request.user).update(open_to_mentoring=not offer.paused)
        messages.success(request, "Your offer to mentor has been saved.")
        return redirect("mentoring:hub")
    return render(request, "mentoring/offer.html", {"form": form})


@login_required
def mentors(request):
    offers = (
        services.available_offers()
        .filter(active__lt=F("capacity"))
        .exclude(mentor=request.user)
        .order_by("mentor__name")
    )
    page = Paginator(offers, 20).get_page(request.GET.get("page"))
    return render(request, "mentoring/mentors.html", {"page": page})


def _needs_from(form: NeedsForm, member) -> Needs:
    profile = getattr(member, "profile", None)
    return Needs(
        member_id=member.pk,
        organisation_id=profile.organisation_id if profile else None,
        sector=profile.sector if profile else "",
        region=profile.region if profile else "",
        area_ids=frozenset(area.pk for area in form.cleaned_data["areas"]),
        other_organisation=form.cleaned_data["other_organisation"],
        other_sector=form.cleaned_data["other_sector"],
        same_region=form.cleaned_data["same_region"],
        format=form.cleaned_data["format"],
    )


@login_required
@require_http_methods(["GET", "POST"])
def ask_for_mentor(request):
    """Two steps on one address: say what you need, then choose from explained suggestions."""
    needs_form = NeedsForm(_posted(request))
    if request.method != "POST" or not needs_form.is_valid():
        return render(request, "mentoring/request_form.html", {"form": needs_form})
    suggestions = services.suggestions(_needs_from(needs_form, request.user))
    choosing = any(name in request.POST for name in ("send", "choose", "remove"))
    choices = ChoicesForm(request.POST if choosing else None, suggestions=suggestions)
    if "send" in request.POST and choices.is_valid():
        try:
            mentee_request = services.request_create(
                mentee=request.user,
                goals=needs_form.cleaned_data["goals"],
                area_ids=[area.pk for area in needs_form.cleaned_data["areas"]],
                mentor_ids=choices.mentor_ids(),
                other_organisation=needs_form.cleaned_data["other_organisation"],
                other_sector=needs_form.cleaned_data["other_sector"],
                same_region=needs_form.cleaned_data["same_region"],
                format=needs_form.cleaned_data["format"],
            )
        except MentoringError as error:
            choices.add_error(None, error.message)
        else:
            if choices.mentor_ids():
                messages.success(request, "Your request has gone to your first choice.")
            else:
                messages.success(request, "You are on the list for the next mentoring cohort.")
            return redirect(mentee_request)
    elif "send" not in request.POST and choices.is_bound and choices.is_valid():
        choices = choices.changed(
            choose=request.POST.get("choose", ""), remove=request.POST.get("remove", "")
        )
    chosen = choices.chosen()
    place_of = {mentor_id: place for place, mentor_id in chosen.items() if mentor_id}
    by_mentor = {suggestion.offer.mentor_id: suggestion for suggestion in suggestions}
    cards = [(suggestion, place_of.get(suggestion.offer.mentor_id)) for suggestion in suggestions]
    return render(
        request,
        "mentoring/suggestions.html",
        {
            "answer_days": services.ANSWER_DAYS,
            "needs_form": needs_form,
            "suggestions": suggestions,
            "matches": [card for card in cards if card[0].shares_areas],
            "others": [card for card in cards if not card[0].shares_areas],
            "chosen": [(place, by_mentor.get(mentor_id)) for place, mentor_id in chosen.items()],
            "anything_chosen": bool(place_of),
            "form": choices,
        },
    )


def _visible_request(request, request_id) -> tuple[MentoringRequest, Approach | None]:
    """The mentee, and the mentors asked so far, see a request; nobody else knows of it."""
    mentee_request = get_object_or_404(
        MentoringRequest.objects.visible_to(request.user)
        .select_related("mentee__profile__organisation")
        .prefetch_related("areas"),
        pk=request_id,
    )
    approach = (
        mentee_request.approaches.filter(mentor=request.user)
        .exclude(status=Approach.Status.QUEUED)
        .first()
    )
    return mentee_request, approach


@login_required
@require_http_methods(["GET", "POST"])
def request_detail(request, request_id):
    mentee_request, approach = _visible_request(request, request_id)
    form = AnswerForm(_posted(request))
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "withdraw":
                services.request_withdraw(request=mentee_request, mentee=request.user)
                messages.success(request, "Your request is withdrawn.")
            elif action in {"accept", "decline"} and approach and not form.is_valid():
                return render(
                    request,
                    "mentoring/request.html",
                    {
                        "mentee_request": mentee_request,
                        "approach": approach,
                        "approaches": [],
                        "form": form,
                    },
                    status=400,
                )
            elif action in {"accept", "decline"} and approach:
                if action == "accept":
                    match = services.approach_accept(
                        approach=approach, mentor=request.user, message=form.cleaned_data["message"]
                    )
                    messages.success(
                        request, f"You are now mentoring {mentee_request.mentee.display_name}."
                    )
                    return redirect(match)
                services.approach_decline(
                    approach=approach, mentor=request.user, message=form.cleaned_data["message"]
                )
                messages.success(request, "You have declined. The mentee has been told.")
            else:
                raise PermissionDenied
        except MentoringError as error:
            messages.error(request, error.message)
        return redirect(mentee_request)
    return render(
        request,
        "mentoring/request.html",
        {
            "mentee_request": mentee_request,
            "approach": approach,
            "approaches": mentee_request.approaches.select_related("mentor")
            if mentee_request.mentee_id == request.user.pk
            else [],
            "form": form,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def match(request, match_id):
    match = services.match_for(request.user, match_id)
    meeting_form = MeetingForm(
        _posted(request) if request.POST.get("action") == "meeting" else None
    )
    feedback_form = FeedbackForm(
        _posted(request) if request.POST.get("action") == "feedback" else None
    )
    plan_form = PlanForm(
        _posted(request) if request.POST.get("action") == "plan" else None, instance=match
    )
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action in {"meeting", "plan"} and match.status != Match.Status.ACTIVE:
                raise MentoringError("This relationship is closed.")
            if action == "meeting" and meeting_form.is_valid():
                meeting = meeting_form.save(commit=False)
                meeting.match, meeting.logged_by = match, request.user
                meeting.save()
                messages.success(request, "The meeting has been logged.")
                return redirect(match)
            if action == "plan" and plan_form.is_valid() and match.status == Match.Status.ACTIVE:
                plan_form.save()
                messages.success(request, "Your goals and planned end are saved.")
                return redirect(match)
            if action == "feedback" and feedback_form.is_valid():
                services.feedback_give(
                    match=match, member=request.user, **feedback_form.cleaned_data
                )
                messages.success(request, "Thank you for your feedback.")
                return redirect(match)
        except MentoringError as error:
            messages.error(request, error.message)
            return redirect(match)
    other = match.mentee if match.mentor_id == request.user.pk else match.mentor
    other_profile = Profile.objects.visible_to(request.user).filter(member=other).first()
    return render(
        request,
        "mentoring/match.html",
        {
            "match": match,
            "other": other,
            "other_profile": other_profile,
            # Their own choice of who sees their address holds here too.
            "other_email": other.email
            if other_profile and email_visible_to(other_profile, request.user)
            else "",
            "meetings": match.meetings.select_related("logged_by")[:50],
            "meeting_form": meeting_form,
            "feedback_form": feedback_form,
            "plan_form": plan_form,
            "feedback_given": match.feedback.filter(member=request.user).exists(),
            "panels": hooks.page_panels(match, request.user),
            # The page title says "Error:" when any of its forms has a problem.
            "form": next((f for f in (meeting_form, plan_form, feedback_form) if f.errors), None),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def match_close(request, match_id):
    """Closing cannot be undone: it is asked on a page of its own, and only its button closes."""
    match = services.match_for(request.user, match_id)
    if match.status != Match.Status.ACTIVE:
        return redirect(match)
    if request.method == "POST":
        try:
            services.match_close(match=match, member=request.user)
        except MentoringError as error:
            messages.error(request, error.message)
            return redirect(match)
        messages.success(request, "The relationship is closed. Tell us how it went.")
        return redirect(match)
    other = match.mentee if match.mentor_id == request.user.pk else match.mentor
    return render(request, "mentoring/match_close.html", {"match": match, "other": other})


def _coordinators_only(request):
    if not is_coordinator(request.user):
        raise PermissionDenied


@login_required
@staff_page
@require_http_methods(["GET", "POST"])
def cohorts(request):
    _coordinators_only(request)
    waiting = MentoringRequest.objects.awaiting_a_cohort(request.user).select_related("mentee")
    offers = MentorOffer.objects.filter(paused=False).select_related("mentor")
    form = CohortForm(_posted(request), waiting=waiting, offers=offers)
    if request.method == "POST" and form.is_valid():
        cohort = Cohort.objects.create(name=form.cleaned_data["name"], created_by=request.user)
        cohort.mentees.set(form.cleaned_data["mentees"])
        cohort.mentors.set(form.cleaned_data["mentors"])
        paired = services.cohort_compute(cohort)
        messages.success(request, f"{paired} mentees have a proposed mentor. Review, then publish.")
        return redirect(cohort)
    return render(
        request,
        "mentoring/cohorts.html",
        {
            "form": form,
            "cohorts": Cohort.objects.order_by("-created_at")[:20],
        },
    )


@login_required
@staff_page
@require_http_methods(["GET", "POST"])
def cohort(request, cohort_id):
    _coordinators_only(request)
    cohort = get_object_or_404(Cohort, pk=cohort_id)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "swap":
                first = get_object_or_404(
                    CohortPair, cohort=cohort, pk=number_or_404(request.POST.get("first"))
                )
                second = get_object_or_404(
                    CohortPair, cohort=cohort, pk=number_or_404(request.POST.get("second"))
                )
                services.cohort_swap(cohort=cohort, first=first, second=second)
                messages.success(request, "The two mentees have changed mentors.")
            elif request.POST.get("action") == "publish":
                sent = services.cohort_publish(cohort=cohort, coordinator=request.user)
                messages.success(request, f"Published: {sent} requests have gone to mentors.")
        except MentoringError as error:
            messages.error(request, error.message)
        return redirect(cohort)
    pairs = cohort.pairs.select_related("request__mentee", "mentor")
    return render(
        request,
        "mentoring/cohort.html",
        {
            "cohort": cohort,
            "pairs": pairs,
            "total": sum(pair.score for pair in pairs),
            "unmatched": cohort.mentees.exclude(
                pk__in=[pair.request_id for pair in pairs]
            ).select_related("mentee"),
        },
    )
