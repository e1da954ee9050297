import functools
import re
from urllib.parse import urlencode

from csp.constants import SELF
from csp.decorators import csp_update
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Avg, Count, Exists, OuterRef, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST
from django_permissions_policy import PermissionsPolicyMiddleware

from base.shortcuts import free_slug, number_or_404
from base.spreadsheets import csv_download
from communities.models import Community
from events import services
from events.filters import EventFilter
from events.forms import (
    AddAttendeeForm,
    AnswersForm,
    CancelEventForm,
    EventForm,
    FeedbackForm,
    MessageForm,
    QuestionForm,
    SeriesForm,
    SeriesRegisterForm,
)
from events.models import (
    CalendarFeed,
    Event,
    Feedback,
    Registration,
    RegistrationQuestion,
    Series,
)
from events.services import EventError
from members import hooks
from members.models import User
from members.second_factor import staff_page

PAGE_SIZE = 20
# Paths under /events/ that are not events.
RESERVED_SLUGS = frozenset({"new", "feed", "my-calendar", "series"})
# Paths under /events/series/ that are not series.
SERIES_RESERVED_SLUGS = frozenset({"new"})
SESSIONS_PAGE_SIZE = 50
FEED_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")


def _event_for(request, slug) -> Event:
    """The event, or 404 for anyone who may not see it; `viewer_runs` says whether they run it,
    `viewer_cancels` whether they may cancel it."""
    events = services.for_viewer(Event.objects.visible_to(request.user), request.user)
    return get_object_or_404(
        events.select_related("community", "organiser", "series").annotate(
            viewer_runs=Exists(Event.objects.run_by(request.user).filter(pk=OuterRef("pk"))),
            viewer_cancels=Exists(
                Event.objects.cancellable_by(request.user).filter(pk=OuterRef("pk"))
            ),
        ),
        slug=slug,
    )


def _run_event(request, slug) -> Event:
    """An event the viewer runs; 404 if they may not know of it, 403 if they only may see it."""
    event = _event_for(request, slug)
    if not event.viewer_runs:
        raise PermissionDenied
    return event


def event_list(request):
    past = request.GET.get("when") == "past"
    now = timezone.now()
    events = Event.objects.visible_to(request.user)
    events = (
        events.filter(ends_at__lte=now).order_by("-starts_at")
        if past
        else events.filter(ends_at__gt=now).order_by("starts_at")
    )
    event_filter = EventFilter(
        request.GET,
        queryset=events,
        # Only what the choice shows: a community row carries its whole search text.
        communities=Community.objects.visible_to(request.user).only("pk", "name"),
    )
    page = Paginator(services.event_listing(event_filter.qs, request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for event in page.object_list:
        event.places_left = services.places_left(event, event.places_taken)
    return render(
        request,
        "events/list.html",
        {
            "filter": event_filter,
            "page": page,
            "past": past,
            "filtered": any(value for key, value in request.GET.items() if key != "page"),
            "can_create": services.can_create(request.user),
        },
    )


@login_required
@staff_page
@require_http_methods(["GET", "POST"])
def event_create(request):
    if not services.can_create(request.user):
        raise PermissionDenied
    # "Add a session" on a series' page starts the form in that series.
    series = Series.objects.run_by(request.user).filter(slug=request.GET.get("series", "")).first()
    form = EventForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        editor=request.user,
        initial={"series": series, "kind": series.kind} if series else None,
    )
    if request.method == "POST" and form.is_valid():
        event = form.save(commit=False)
        event.organiser = request.user
        event.slug = free_slug(
            Event,
            f"{event.title} {timezone.localtime(event.starts_at):%Y-%m-%d}",
            reserved=RESERVED_SLUGS,
            length=180,
            fallback="event",
        )
        event.save()
        form.save_m2m()
        services.event_index(event)
        services.questions_default(event=event)
        messages.success(request, "The event is published.")
        return redirect(event)
    return render(request, "events/form.html", {"form": form, "creating": True})


@login_required
@staff_page
@require_http_methods(["GET", "POST"])
def event_edit(request, slug):
    event = _run_event(request, slug)
    if event.is_cancelled:
        messages.info(request, "This event has been cancelled: it can no longer be changed.")
        return redirect(event)
    form = EventForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        instance=event,
        editor=request.user,
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        services.event_update(event=event, changed=form.changed_data, editor=request.user)
        messages.success(request, "The event has been updated.")
        return redirect(event)
    return render(request, "events/form.html", {"form": form, "event": event})


@login_required
@staff_page
@require_http_methods(["GET", "POST"])
def event_cancel(request, slug):
    """A page of its own, asking why: the cancellation is e-mailed to everyone registered and
    cannot be undone."""
    event = _event_for(request, slug)
    if not event.viewer_cancels:
        raise PermissionDenied
    if event.is_cancelled or event.has_ended:
        messages.info(
            request,
            "This event has already been cancelled."
            if event.is_cancelled
            else "This event has already taken place.",
        )
        return redirect(event)
    form = CancelEventForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            told = services.event_cancel(
                event=event, canceller=request.user, message=form.cleaned_data["message"]
            )
        except EventError as error:
            form.add_error("message", error.message)
        else:
            messages.success(
                request, f"The event is cancelled. We are e-mailing {told} {_people(told)}."
            )
            return redirect(event)
    told = Registration.objects.filter(
        event=event, status__in=[*services.HOLDS_A_PLACE, Registration.Status.WAITING]
    ).count()
    return render(
        request,
        "events/cancel.html",
        {"event": event, "form": form, "told": told},
        status=400 if form.is_bound else 200,
    )


def _people(count: int) -> str:
    return "person" if count == 1 else "people"


def event_detail(request, slug):
    event = _event_for(request, slug)
    registration = services.registration_of(event, request.user)
    places = Registration.objects.filter(event=event).aggregate(
        taken=Count("pk", filter=Q(status__in=services.HOLDS_A_PLACE)),
        waiting=Count("pk", filter=Q(status=Registration.Status.WAITING)),
    )
    taken, waiting = places["taken"], places["waiting"]
    feedback_given = (
        registration is not None and Feedback.objects.filter(registration=registration).exists()
    )
    questions = services.questions_with_answers(event, registration)
    return render(
        request,
        "events/detail.html",
        {
            "event": event,
            "registration": registration,
            "answers_form": AnswersForm(questions=questions) if questions else None,
            "your_answers": [(question, question.your_answer or "") for question in questions],
            "answers_open": not event.is_cancelled and event.starts_at > timezone.now(),
            "places_left": services.places_left(event, taken),
            "waiting": waiting,
            "confirmed": registration is not None
            and registration.status == Registration.Status.CONFIRMED,
            "check_in_qr": _picture_of(registration and services.check_in_qr(registration)),
            "feedback_given": feedback_given,
            "registration_window": _registration_window(event),
            "tags": event.tags.all(),
            "can_run": event.viewer_runs,
            "can_cancel": event.viewer_cancels and not event.is_cancelled and not event.has_ended,
            "panels": hooks.page_panels(event, request.user),
            "series_position": services.series_position(event, request.user)
            if event.part_of
            else None,
        },
    )


def _picture_of(qr) -> str:
    """A QR code as an image's address (the page's policy allows data: images). A PNG: an SVG
    in a data: address is a document of its own, which the site never serves."""
    return qr.png_data_uri(scale=6, border=2) if qr else ""


def _registration_window(event: Event) -> str:
    """Why the Register button is not there, when registration is not open."""
    now = timezone.now()
    if event.registration_opens_at and now < event.registration_opens_at:
        opens = timezone.localtime(event.registration_opens_at)
        return f"Registration opens on {opens:%A %d %B at %H:%M}."
    if event.registration_closes_at and now >= event.registration_closes_at:
        return "Registration has closed."
    return ""


@login_required
@require_http_methods(["GET", "POST"])
def register(request, slug):
    """Registering is a button on the event's page, with the event's questions above it; this
    page shows them again when an answer is missing (or is opened by its address)."""
    event = _event_for(request, slug)
    questions = services.questions_of(event)
    form = AnswersForm(request.POST if request.method == "POST" else None, questions=questions)
    if request.method == "GET" and (
        services.registration_of(event, request.user)
        or event.is_cancelled
        or event.starts_at <= timezone.now()
        or _registration_window(event)
    ):
        return redirect(event)
    if not form.is_valid():
        return render(
            request,
            "events/answers.html",
            {"event": event, "form": form, "registering": True},
            status=400 if form.is_bound else 200,
        )
    try:
        registration = services.registration_create(
            event=event, member=request.user, answers=form.answers()
        )
    except EventError as error:
        messages.error(request, error.message)
        return redirect(event)
    if registration.status == Registration.Status.CONFIRMED:
        messages.success(request, "Your place is confirmed. We have e-mailed you the details.")
    else:
        messages.info(
            request,
            "The event is full: you are on the waiting list. "
            "If a place comes free we will e-mail you.",
        )
    return redirect(event)


@login_required
@require_http_methods(["GET", "POST"])
def answers(request, slug):
    """A member with a place (or waiting for one) changes their answers until the event starts."""
    event = _event_for(request, slug)
    registration = services.registration_of(event, request.user)
    questions = services.questions_of(event)
    if registration is None or not questions:
        raise Http404
    if event.is_cancelled or event.starts_at <= timezone.now():
        messages.info(
            request,
            "This event has been cancelled."
            if event.is_cancelled
            else "The event has started: answers can no longer change.",
        )
        return redirect(event)
    form = AnswersForm(
        request.POST if request.method == "POST" else None,
        questions=questions,
        answers=services.answers_of(registration),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.registration_answers_change(registration=registration, answers=form.answers())
        except EventError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "Your answers are saved.")
        return redirect(event)
    return render(
        request,
        "events/answers.html",
        {"event": event, "form": form, "registering": False},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_POST
def cancel(request, slug):
    event = _event_for(request, slug)
    try:
        services.registration_cancel(event=event, member=request.user)
        messages.success(request, "You are no longer registered for this event.")
    except EventError as error:
        messages.error(request, error.message)
    return redirect(event)


@login_required
@require_http_methods(["GET", "POST"])
def claim(request, slug, registration_id):
    event = _event_for(request, slug)
    registration = get_object_or_404(
        Registration, pk=registration_id, event=event, member=request.user
    )
    if request.method == "POST":
        try:
            services.offer_claim(registration_id=registration.pk, member=request.user)
            messages.success(request, "The place is yours. We have e-mailed you the details.")
        except EventError as error:
            messages.error(request, error.message)
        return redirect(event)
    return render(request, "events/claim.html", {"event": event, "registration": registration})


def calendar_file(request, slug):
    event = _event_for(request, slug)
    response = HttpResponse(services.calendar_for([event]), content_type="text/calendar")
    response["Content-Disposition"] = f'attachment; filename="{event.slug}.ics"'
    return response


def personal_feed(request, token):
    """No sign-in (calendar applications cannot): the secret token is the key."""
    if not FEED_TOKEN.fullmatch(token):
        raise Http404
    feed = get_object_or_404(CalendarFeed.objects.select_related("member"), token=token)
    if not feed.member.is_active:
        raise Http404
    response = HttpResponse(services.member_calendar(feed.member), content_type="text/calendar")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def my_calendar(request):
    if request.method == "POST":
        services.feed_reset(request.user)
        messages.success(request, "Your calendar has a new address: the old one no longer works.")
        return redirect("events:my_calendar")
    feed = services.feed_for(request.user)
    return render(
        request,
        "events/my_calendar.html",
        {
            "feed_url": request.build_absolute_uri(f"/events/feed/{feed.token}.ics"),
            "events": services.member_events(request.user)
            .filter(ends_at__gt=timezone.now())
            .order_by("starts_at"),
        },
    )


@login_required
@staff_page
@require_http_methods(["GET", "POST"])
def attendees(request, slug):
    event = _run_event(request, slug)
    if request.method == "POST":
        registration = get_object_or_404(
            Registration, pk=number_or_404(request.POST.get("registration")), event=event
        )
        try:
            services.attendance_mark(
                registration=registration, attended=request.POST.get("attended") == "yes"
            )
        except EventError as error:
            messages.error(request, error.message)
        # Back to the same page and row: a long list must not lose the coordinator's place.
        page = number_or_404(request.POST.get("page") or 1)
        return redirect(f"{request.path}?page={page}#registration-{registration.pk}")
    if request.GET.get("format") == "csv":
        return _attendees_csv(event, _registrations(event))
    return _attendees_page(request, event)


def _registrations(event: Event):
    return (
        Registration.objects.filter(event=event)
        .exclude(status=Registration.Status.CANCELLED)
        .select_related("member__profile__organisation")
        .prefetch_related("answers")
        .order_by("status", "created_at", "id")
    )


def _answers_in_order(registration: Registration, questions) -> list[str]:
    """The registration's answer to each question, in the questions' order ("" unanswered)."""
    given = {answer.question_id: answer.answer for answer in registration.answers.all()}
    return [given.get(question.pk, "") for question in questions]


def _attendees_page(request, event: Event, *, message_form=None, add_form=None, status=200):
    feedback = Feedback.objects.filter(registration__event=event)
    questions = services.questions_of(event)
    page = Paginator(_registrations(event), 100).get_page(request.GET.get("page"))
    for registration in page.object_list:
        registration.answer_list = list(
            zip(questions, _answers_in_order(registration, questions), strict=True)
        )
    return render(
        request,
        "events/attendees.html",
        {
            "event": event,
            "questions": questions,
            "page": page,
            "feedback_summary": feedback.aggregate(average=Avg("rating"), count=Count("pk")),
            "comments": feedback.exclude(useful="", change="").order_by("-created_at")[:50],
            "message_form": message_form or MessageForm(),
            "add_form": add_form or AddAttendeeForm(),
        },
        status=status,
    )


def _attendees_csv(event: Event, registrations) -> HttpResponse:
    response, writer = csv_download(f"{event.slug}-attendees.csv")
    questions = services.questions_of(event)
    writer.writerow(
        [
            "Name",
            "E-mail",
            "Organisation",
            "Job title",
            "Status",
            "Registered",
            "Attended",
            *(question.text for question in questions),
        ]
    )
    for registration in registrations.iterator(chunk_size=500):
        profile = getattr(registration.member, "profile", None)
        writer.writerow(
            [
                registration.member.display_name,
                registration.member.email,
                profile.organisation.name if profile and profile.organisation else "",
                profile.job_title if profile else "",
                registration.get_status_display(),
                timezone.localtime(registration.created_at).strftime("%Y-%m-%d %H:%M"),
                "yes" if registration.attended else "no",
                *_answers_in_order(registration, questions),
            ]
        )
    return response


@login_required
@staff_page
@require_POST
def add_attendee(request, slug):
    event = _run_event(request, slug)
    form = AddAttendeeForm(request.POST)
    if form.is_valid():
        member = User.objects.filter(
            email__iexact=form.cleaned_data["email"], is_active=True
        ).first()
        if member is None:
            form.add_error("email", "No member of the network uses that e-mail address.")
        else:
            services.registration_add(event=event, member=member, coordinator=request.user)
            messages.success(request, f"{member.display_name} has a confirmed place.")
            return redirect("events:attendees", slug=slug)
    return _attendees_page(request, event, add_form=form, status=400)


@login_required
@staff_page
@require_POST
def message_registrants(request, slug):
    event = _run_event(request, slug)
    form = MessageForm(request.POST)
    if form.is_valid():
        count = services.registrants_message(
            event=event, coordinator=request.user, message=form.cleaned_data["message"]
        )
        messages.success(request, f"Your message went to {count} people.")
        return redirect("events:attendees", slug=slug)
    return _attendees_page(request, event, message_form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def feedback(request, slug):
    event = _event_for(request, slug)
    registration = services.registration_of(event, request.user)
    if registration is None or registration.status != Registration.Status.CONFIRMED:
        raise Http404
    if not event.has_ended:
        messages.info(request, "Feedback opens when the event ends.")
        return redirect(event)
    existing = Feedback.objects.filter(registration=registration).first()
    form = FeedbackForm(request.POST if request.method == "POST" else None, instance=existing)
    if request.method == "POST" and form.is_valid():
        given = form.save(commit=False)
        given.registration = registration
        given.save()
        messages.success(request, "Thank you for your feedback.")
        return redirect(event)
    return render(request, "events/feedback.html", {"event": event, "form": form})


@login_required
def certificate(request, slug):
    event = _event_for(request, slug)
    registration = services.registration_of(event, request.user)
    if (
        registration is None
        or registration.status != Registration.Status.CONFIRMED
        or not registration.attended
    ):
        raise Http404
    return render(request, "events/certificate.html", {"event": event, "member": request.user})


@login_required
def slides(request, slug):
    """Slides are for signed-in members, served through this check rather than a public URL."""
    event = _event_for(request, slug)
    if not event.slides or not (event.has_ended or event.viewer_runs):
        raise Http404
    response = FileResponse(event.slides.open("rb"), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{event.slug}-slides.pdf"'
    return response


# --- at the door ----------------------------------------------------------------------------

CHECK_IN_PAGE_SIZE = 50
CHECK_IN_LEVELS = {
    "checked_in": messages.SUCCESS,
    "already": messages.WARNING,
    "refused": messages.ERROR,
}


def camera_allowed(view):
    """The page may ask for the camera (the site turns it off everywhere else), and its QR
    scanner may read the picture in a worker of its own (a blob: worker, as the library makes
    one where the browser has no barcode reader of its own)."""

    @functools.wraps(view)
    @csp_update({"worker-src": [SELF, "blob:"]})
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response._permissions_policy_override = PermissionsPolicyMiddleware.compute_header_value(
            {**settings.PERMISSIONS_POLICY, "camera": ["self"]}, name="PERMISSIONS_POLICY"
        )
        return response

    return wrapped


# --- series ---------------------------------------------------------------------------------


def _series_for(request, slug) -> Series:
    """The series, or 404 for anyone who may not see it; `viewer_runs` says whether they run
    it."""
    series = services.series_for_viewer(Series.objects.visible_to(request.user), request.user)
    return get_object_or_404(
        series.select_related("community", "organiser").annotate(
            viewer_runs=Exists(Series.objects.run_by(request.user).filter(pk=OuterRef("pk")))
        ),
        slug=slug,
    )


def _series_register_form(request, series: Series, data=None) -> SeriesRegisterForm:
    return SeriesRegisterForm(
        data,
        sessions=Event.objects.visible_to(request.user).filter(series=series),
        upcoming=services.series_upcoming(series, request.user),
    )


def series_detail(request, slug):
    series = _series_for(request, slug)
    return _series_page(request, series, _series_register_form(request, series))


def _series_page(request, series: Series, form: SeriesRegisterForm, status: int = 200):
    page = Paginator(services.series_sessions(series, request.user), SESSIONS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for event in page.object_list:
        event.places_left = services.places_left(event, event.places_taken)
        event.closed_reason = services.closed_reason(event)
    # The sessions a member may tick: open, and not already theirs.
    choosable = [
        event
        for event in page.object_list
        if not event.closed_reason and not getattr(event, "my_status", None)
    ]
    chosen = {str(value) for value in (form["sessions"].value() or [])} if form.is_bound else set()
    return render(
        request,
        "events/series.html",
        {
            "series": series,
            "page": page,
            "form": form,
            "choosable": choosable,
            "chosen": chosen,
            "can_run": series.viewer_runs,
            "can_add": series.viewer_runs and services.can_create(request.user),
        },
        status=status,
    )


@login_required
@require_POST
def series_register(request, slug):
    series = _series_for(request, slug)
    form = _series_register_form(request, series, request.POST)
    if not form.is_valid():
        return _series_page(request, series, form, status=400)
    outcomes = services.series_register(series=series, member=request.user, events=form.chosen())
    return render(
        request, "events/series_registered.html", {"series": series, "outcomes": outcomes}
    )


@login_required
@staff_page
@camera_allowed
@require_http_methods(["GET", "POST"])
def check_in(request, slug):
    """The event's team at the door, on a phone: find someone by name and check them in with
    one tap, or scan the QR code of their confirmation."""
    event = get_object_or_404(Event.objects.run_by(request.user), slug=slug)
    text = (request.POST if request.method == "POST" else request.GET).get("q", "")[:100]
    if request.method == "POST":
        registration = None
        if request.POST.get("registration"):
            registration = get_object_or_404(
                Registration, pk=number_or_404(request.POST["registration"]), event=event
            )
        result = services.registration_check_in(
            event=event,
            by=request.user,
            code=request.POST.get("code", ""),
            registration=registration,
        )
        messages.add_message(request, CHECK_IN_LEVELS[result.outcome], result.message)
        # Back to the same search; after a scan, the scanner starts again for the next person.
        query = {"q": text} if text.strip() else {}
        if request.POST.get("scanned"):
            query["scanning"] = "1"
        return redirect(f"{request.path}?{urlencode(query)}" if query else request.path)
    scanned, scan_problem = None, ""
    if request.GET.get("code"):
        # A phone's own camera app opened the QR code's address: who it is, and a button.
        try:
            scanned = services.registration_for_code(event=event, code=request.GET["code"])
        except EventError as error:
            scan_problem = error.message
    page = Paginator(services.check_in_list(event, text), CHECK_IN_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "event": event,
        "page": page,
        "q": text,
        "counts": services.check_in_counts(event),
        "scanned": scanned,
        "scan_problem": scan_problem,
    }
    if request.htmx:
        return render(request, "events/_check_in_people.html", context)
    return render(request, "events/check_in.html", context)


@login_required
@staff_page
@require_http_methods(["GET", "POST"])
def series_create(request):
    if not services.can_create(request.user):
        raise PermissionDenied
    form = SeriesForm(request.POST if request.method == "POST" else None, editor=request.user)
    if request.method == "POST" and form.is_valid():
        series = form.save(commit=False)
        series.organiser = request.user
        series.slug = free_slug(
            Series, series.title, reserved=SERIES_RESERVED_SLUGS, length=180, fallback="series"
        )
        series.save()
        messages.success(
            request, "The series is published. Add its sessions: each is an event of the series."
        )
        return redirect(series)
    return render(
        request,
        "events/series_form.html",
        {"form": form, "creating": True},
        status=400 if form.is_bound else 200,
    )


@login_required
@staff_page
@require_http_methods(["GET", "POST"])
def series_edit(request, slug):
    series = _series_for(request, slug)
    if not series.viewer_runs:
        raise PermissionDenied
    form = SeriesForm(
        request.POST if request.method == "POST" else None, instance=series, editor=request.user
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "The series has been updated.")
        return redirect(series)
    return render(
        request,
        "events/series_form.html",
        {"form": form, "series": series},
        status=400 if form.is_bound else 200,
    )


# --- registration questions: those who run the event -----------------------------------------


def _questions_event(request, slug) -> Event | None:
    """The event whose questions the viewer manages; None when it is cancelled (nothing changes
    on a cancelled event)."""
    event = _run_event(request, slug)
    if event.is_cancelled:
        messages.info(request, "This event has been cancelled: it can no longer be changed.")
        return None
    return event


@login_required
@staff_page
@require_http_methods(["GET", "POST"])
def questions(request, slug):
    """The event's questions, in the order members see them, and a form to add one."""
    event = _questions_event(request, slug)
    if event is None:
        return redirect("events:detail", slug=slug)
    if request.method == "POST" and request.POST.get("move"):
        question = get_object_or_404(
            RegistrationQuestion, pk=number_or_404(request.POST.get("move")), event=event
        )
        services.question_move(question=question, up=request.POST.get("direction") == "up")
        return redirect(f"{request.path}#question-{question.pk}")
    form = QuestionForm(request.POST if request.method == "POST" else None, event=event)
    if request.method == "POST" and form.is_valid():
        question = form.save(commit=False)
        question.event = event
        services.question_add(question=question)
        messages.success(request, "The question is added.")
        return redirect("events:questions", slug=slug)
    return render(
        request,
        "events/questions.html",
        {
            "event": event,
            "questions": RegistrationQuestion.objects.filter(event=event).annotate(
                answered=Count("answers")
            ),
            "form": form,
        },
        status=400 if form.is_bound else 200,
    )


@login_required
@staff_page
@require_http_methods(["GET", "POST"])
def question_edit(request, slug, question_id):
    event = _questions_event(request, slug)
    if event is None:
        return redirect("events:detail", slug=slug)
    question = get_object_or_404(RegistrationQuestion, pk=question_id, event=event)
    form = QuestionForm(
        request.POST if request.method == "POST" else None, instance=question, event=event
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "The question is saved.")
        return redirect("events:questions", slug=slug)
    return render(
        request,
        "events/question_form.html",
        {"event": event, "question": question, "form": form, "answered": question.answers.count()},
        status=400 if form.is_bound else 200,
    )


@login_required
@staff_page
@require_http_methods(["GET", "POST"])
def question_remove(request, slug, question_id):
    """A page of its own: the answers members gave go with the question."""
    event = _questions_event(request, slug)
    if event is None:
        return redirect("events:detail", slug=slug)
    question = get_object_or_404(RegistrationQuestion, pk=question_id, event=event)
    if request.method == "POST":
        answered = services.question_remove(question=question)
        messages.success(
            request,
            f"The question is removed, with {answered} answer{'s' if answered != 1 else ''}.",
        )
        return redirect("events:questions", slug=slug)
    return render(
        request,
        "events/question_remove.html",
        {"event": event, "question": question, "answered": question.answers.count()},
    )
