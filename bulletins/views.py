from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from base.shortcuts import free_slug
from bulletins import delivery, services
from bulletins.audiences import audience_in_words, audience_members, fingerprint, to_everyone
from bulletins.delivery import AudienceChanged, BulletinError
from bulletins.forms import AudienceForm, BulletinForm, SectionForm, SendForm
from bulletins.mail import copy_for
from bulletins.models import Bulletin, BulletinSection
from bulletins.snapshot import bulletin_content, bulletin_snapshot
from members.second_factor import staff_page

PAGE_SIZE = 20
AUDIENCE_COLUMNS = ["audience_regions", "audience_organisation_kinds", "audience_sectors"]
# Paths under /bulletins/ that are pages, not slugs.
RESERVED_BULLETIN_SLUGS = frozenset({"new", "unsubscribe"})


def _curators_only(request) -> None:
    # Refused before any look-up, so the answer says nothing about which drafts exist.
    if not services.can_curate(request.user):
        raise PermissionDenied


def bulletin_list(request):
    archive = Bulletin.objects.visible_to(request.user).sent().order_by("-sent_at", "-pk")
    page = Paginator(archive, PAGE_SIZE).get_page(request.GET.get("page"))
    can_curate = services.can_curate(request.user)
    drafts = (
        Bulletin.objects.visible_to(request.user)
        .filter(status__in=[Bulletin.Status.DRAFT, Bulletin.Status.SCHEDULED])
        .order_by("-created_at")
        if can_curate
        else []
    )
    return render(
        request,
        "bulletins/list.html",
        {"page": page, "can_curate": can_curate, "drafts": drafts},
    )


@login_required
@staff_page
@require_http_methods(["GET", "POST"])
def bulletin_create(request):
    _curators_only(request)
    form = BulletinForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        bulletin = form.save(commit=False)
        bulletin.created_by = request.user
        bulletin.slug = free_slug(
            Bulletin,
            bulletin.title,
            reserved=RESERVED_BULLETIN_SLUGS,
            length=180,
            fallback="bulletin",
        )
        bulletin.save()
        messages.success(request, "The bulletin is saved as a draft. Now add its sections.")
        return redirect(bulletin)
    return render(request, "bulletins/form.html", {"form": form, "creating": True})


def bulletin_detail(request, slug):
    bulletin = services.bulletin_for(request.user, slug)
    can_curate = services.can_curate(request.user)
    if bulletin.frozen is not None:
        return render(
            request,
            "bulletins/detail.html",
            {
                "bulletin": bulletin,
                "content": bulletin_content(bulletin.frozen, request.user),
                "can_curate": can_curate,
                "progress": delivery.progress(bulletin) if can_curate else None,
                "audience": audience_in_words(bulletin) if can_curate else None,
            },
        )
    # A draft: only curators get here (bulletin_for).
    return _compose_page(request, bulletin)


def _compose_page(
    request,
    bulletin: Bulletin,
    *,
    send_form: SendForm | None = None,
    audience_form: AudienceForm | None = None,
    status: int = 200,
):
    return render(
        request,
        "bulletins/compose.html",
        {
            "bulletin": bulletin,
            "content": bulletin_snapshot(bulletin),
            "sections": bulletin.sections.all(),
            "send_form": send_form or SendForm(),
            "audience_form": audience_form or AudienceForm(instance=bulletin, curator=request.user),
            "recipients": audience_members(bulletin=bulletin).count(),
            "audience": audience_in_words(bulletin),
            "to_everyone": to_everyone(bulletin),
        },
        status=status,
    )


def _curated_bulletin(request, slug) -> Bulletin:
    _curators_only(request)
    return services.bulletin_for(request.user, slug)


def _sent_already(request, bulletin: Bulletin):
    messages.error(request, "This bulletin has been sent: it can no longer change.")
    return redirect(bulletin)


def _locked(request, bulletin: Bulletin) -> Bulletin:
    """The bulletin read again under its row lock, for a change (inside transaction.atomic):
    it may have started going (delivery.start, which takes the same lock) since it was read."""
    if request.method != "POST":
        return bulletin
    return Bulletin.objects.select_for_update().get(pk=bulletin.pk)


@login_required
@staff_page
@require_http_methods(["GET", "POST"])
@transaction.atomic
def bulletin_edit(request, slug):
    bulletin = _locked(request, _curated_bulletin(request, slug))
    if not bulletin.is_editable:
        return _sent_already(request, bulletin)
    form = BulletinForm(request.POST if request.method == "POST" else None, instance=bulletin)
    if request.method == "POST" and form.is_valid():
        # Only what the form changes: never its status or what was frozen.
        form.instance.save(update_fields=BulletinForm.Meta.fields)
        messages.success(request, "Your changes are saved.")
        return redirect(bulletin)
    return render(request, "bulletins/form.html", {"form": form, "bulletin": bulletin})


@login_required
@staff_page
@require_http_methods(["GET", "POST"])
@transaction.atomic
def section_edit(request, slug, section_id=None):
    bulletin = _locked(request, _curated_bulletin(request, slug))
    if not bulletin.is_editable:
        return _sent_already(request, bulletin)
    section = (
        get_object_or_404(BulletinSection, pk=section_id, bulletin=bulletin)
        if section_id
        else BulletinSection(bulletin=bulletin, position=services.next_section_position(bulletin))
    )
    form = SectionForm(request.POST if request.method == "POST" else None, instance=section)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"The section “{section.heading}” is saved.")
        return redirect(bulletin)
    return render(
        request,
        "bulletins/section_form.html",
        {"form": form, "bulletin": bulletin, "section": section if section_id else None},
    )


@login_required
@staff_page
@require_POST
@transaction.atomic
def section_delete(request, slug, section_id):
    bulletin = _locked(request, _curated_bulletin(request, slug))
    if not bulletin.is_editable:
        return _sent_already(request, bulletin)
    section = get_object_or_404(BulletinSection, pk=section_id, bulletin=bulletin)
    section.delete()
    messages.success(request, f"The section “{section.heading}” is removed.")
    return redirect(bulletin)


@login_required
@staff_page
def bulletin_email(request, slug):
    """The e-mail as a member will see it, addressed to the curator looking at it."""
    bulletin = _curated_bulletin(request, slug)
    message = copy_for(bulletin, request.user)
    if request.GET.get("format") == "text":
        return HttpResponse(message.body, content_type="text/plain; charset=utf-8")
    html = message.alternatives[0][0]
    response = HttpResponse(html)
    # The preview is the e-mail itself: it runs nothing, and nothing may frame it but us.
    response["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src https:"
    )
    return response


@login_required
@staff_page
@require_POST
def bulletin_test(request, slug):
    bulletin = _curated_bulletin(request, slug)
    services.bulletin_test_send(bulletin=bulletin, curator=request.user)
    messages.success(request, f"A test copy is on its way to {request.user.email}.")
    return redirect(bulletin)


@login_required
@staff_page
@require_POST
@transaction.atomic
def bulletin_audience(request, slug):
    bulletin = _locked(request, _curated_bulletin(request, slug))
    if bulletin.status == Bulletin.Status.SCHEDULED:
        # It goes to the audience confirmed when it was scheduled, or not at all.
        messages.error(request, "Unschedule it to change who it goes to.")
        return redirect(f"{bulletin.get_absolute_url()}#audience-heading")
    if not bulletin.is_editable:
        return _sent_already(request, bulletin)
    form = AudienceForm(request.POST, instance=bulletin, curator=request.user)
    if not form.is_valid():
        # The page counts the audience as saved, not as the form half-applied it. htmx swaps
        # only a 2xx answer, so the ticks' own requests get the errors with a 200.
        saved = services.bulletin_for(request.user, slug)
        status = 200 if request.htmx else 400
        return _compose_page(request, saved, audience_form=form, status=status)
    # Only the audience: never the status or what was frozen, read before the lock.
    form.save(commit=False)
    bulletin.save(update_fields=AUDIENCE_COLUMNS)
    form.save_m2m()
    count = audience_members(bulletin=bulletin).count()
    messages.success(
        request,
        f"The audience is saved: {audience_in_words(bulletin)}, "
        f"{count:,} member{pluralize(count)} now.",
    )
    return redirect(f"{bulletin.get_absolute_url()}#audience-heading")


@login_required
@staff_page
@require_GET
def bulletin_confirm(request, slug):
    """The question before a bulletin goes: to whom, how many, and that it cannot be undone.
    Nothing is sent from here; its "Yes" button posts to bulletin_send."""
    bulletin = _curated_bulletin(request, slug)
    if not bulletin.is_editable:
        return _sent_already(request, bulletin)
    form = SendForm(request.GET)
    if not form.is_valid():
        return _compose_page(request, bulletin, send_form=form, status=400)
    recipients = audience_members(bulletin=bulletin).count()
    later = form.cleaned_data["when"] == "later"
    everyone = to_everyone(bulletin)
    return render(
        request,
        "bulletins/confirm.html",
        {
            "bulletin": bulletin,
            "later": later,
            "send_at": form.cleaned_data["send_at"],
            "answers": {"when": request.GET["when"], "send_at": request.GET.get("send_at", "")},
            "recipients": recipients,
            "audience": audience_in_words(bulletin),
            "to_everyone": everyone,
            "can_send": bool(recipients or later or everyone),
            # What is asked about: the send goes to this audience, or not at all.
            "fingerprint": fingerprint(bulletin),
        },
    )


@login_required
@staff_page
@require_POST
def bulletin_send(request, slug):
    bulletin = _curated_bulletin(request, slug)
    if not bulletin.is_editable:
        return _sent_already(request, bulletin)
    if request.POST.get("action") == "unschedule":
        try:
            services.bulletin_unschedule(bulletin=bulletin)
            messages.success(request, "The bulletin is no longer scheduled: it is a draft again.")
        except BulletinError as error:
            messages.error(request, str(error))
        return redirect(bulletin)
    form = SendForm(request.POST)
    if not form.is_valid():
        return _compose_page(request, bulletin, send_form=form, status=400)
    if request.POST.get("confirmed") != "yes":
        # Only the confirmation page's "Yes" sends: the compose page's button asks first.
        answers = {"when": form.data["when"], "send_at": form.data.get("send_at", "")}
        return redirect(
            f"{reverse('bulletins:confirm', args=[bulletin.slug])}?{urlencode(answers)}"
        )
    now = form.cleaned_data["when"] == "now"
    # A bulletin to everyone still goes to the public archive; one to chosen members, nowhere.
    if now and not to_everyone(bulletin) and not audience_members(bulletin=bulletin).exists():
        messages.error(request, "Nobody would receive it: no subscribed member is in its audience.")
        return redirect(bulletin)
    confirmed = request.POST.get("audience", "")
    try:
        if not now:
            services.bulletin_schedule(
                bulletin=bulletin, when=form.cleaned_data["send_at"], audience=confirmed
            )
            when = timezone.localtime(form.cleaned_data["send_at"])
            messages.success(request, f"The bulletin will be sent on {when:%A %-d %B %Y at %H:%M}.")
        else:
            count = services.bulletin_send(bulletin=bulletin, audience=confirmed)
            messages.success(
                request, f"The bulletin is on its way to {count:,} member{pluralize(count)}."
            )
    except AudienceChanged as error:
        # Asked again, with who it goes to now.
        messages.error(request, str(error))
        answers = {"when": form.data["when"], "send_at": form.data.get("send_at", "")}
        return redirect(
            f"{reverse('bulletins:confirm', args=[bulletin.slug])}?{urlencode(answers)}"
        )
    except BulletinError as error:
        messages.error(request, str(error))
    return redirect(bulletin)


@login_required
@staff_page
@never_cache
def bulletin_progress(request, slug):
    _curators_only(request)
    bulletin = services.bulletin_for(request.user, slug)
    if bulletin.frozen is None:
        raise Http404
    return render(
        request,
        "bulletins/_progress.html",
        {"bulletin": bulletin, "progress": delivery.progress(bulletin)},
    )


@login_required
@staff_page
@require_POST
def bulletin_retry(request, slug):
    bulletin = _curated_bulletin(request, slug)
    try:
        count = services.bulletin_retry_failed(
            bulletin=bulletin, in_doubt=request.POST.get("in_doubt") == "1"
        )
        messages.success(request, f"Trying again for {count} member{'s' if count != 1 else ''}.")
    except BulletinError as error:
        messages.error(request, str(error))
    return redirect(bulletin)


# Mail programs POST here with no cookie and no CSRF token (RFC 8058); the secret token in the
# address is the only credential, and all it can do is stop the bulletin.
@csrf_exempt
@require_http_methods(["GET", "POST"])
@never_cache
def unsubscribe(request, token):
    profile = services.subscription_for_token(token)
    if profile is None:
        return render(request, "bulletins/unsubscribe_invalid.html", status=404)
    if request.method == "POST":
        services.bulletin_unsubscribe(profile=profile)
        return render(request, "bulletins/unsubscribed.html", {"profile": profile})
    return render(request, "bulletins/unsubscribe.html", {"profile": profile, "token": token})
