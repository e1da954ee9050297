from csp.constants import SELF
from csp.decorators import csp_replace
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from base.shortcuts import free_slug
from members.services import profile_for
from resources import services
from resources.filters import ResourceFilter
from resources.forms import BulletinForm, RatingForm, ResourceForm, SectionForm, SendForm
from resources.models import Bulletin, BulletinSection, Rating, Resource, Use
from resources.services import BulletinError

PAGE_SIZE = 20
# Paths under /resources/ and /bulletins/ that are pages, not slugs.
RESERVED_RESOURCE_SLUGS = frozenset({"new", "review"})
RESERVED_BULLETIN_SLUGS = frozenset({"new", "unsubscribe"})


def _curators_only(request) -> None:
    # Refused before any look-up, so the answer says nothing about which drafts exist.
    if not services.can_curate(request.user):
        raise PermissionDenied


# --- the library ----------------------------------------------------------------------------


def resource_list(request):
    library = Resource.objects.visible_to(request.user).listed()
    resource_filter = ResourceFilter(request.GET, queryset=library)
    resources = resource_filter.qs
    # The words still count when another filter is wrong (its message shows beside it).
    query = resource_filter.form.cleaned_data.get("q", "")
    if query:
        resources = services.resource_search(resources, query)
    page = Paginator(services.resource_listing(resources), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    filtered = any(value for key, value in request.GET.items() if key != "page")
    featured = []
    if not filtered and page.number == 1:
        featured = list(services.resource_listing(library.filter(featured=True))[:3])
    can_curate = services.can_curate(request.user)
    return render(
        request,
        "resources/list.html",
        {
            "filter": resource_filter,
            "page": page,
            "filtered": filtered,
            "featured": featured,
            "can_curate": can_curate,
            "suggestions": Resource.objects.filter(
                status=Resource.Status.DRAFT, suggested_at__isnull=False
            ).count()
            if can_curate
            else 0,
        },
    )


@login_required
def review(request):
    """Curators: members' suggestions waiting for a decision, and other drafts."""
    _curators_only(request)
    drafts = (
        Resource.objects.visible_to(request.user)
        .filter(status=Resource.Status.DRAFT)
        .select_related("contributor", "organisation")
        .prefetch_related("topics")
        .order_by("suggested_at", "created_at")
    )
    page = Paginator(drafts, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "resources/review.html", {"page": page})


def resource_detail(request, slug, rating_form=None):
    resource = services.resource_for(request.user, slug)
    member = request.user if request.user.is_authenticated else None
    my_rating = Rating.objects.filter(resource=resource, member=member).first() if member else None
    if rating_form is None:
        rating_form = RatingForm(initial={"stars": my_rating.stars} if my_rating else None)
    can_edit = services.can_edit(resource, request.user)
    return render(
        request,
        "resources/detail.html",
        {
            "resource": resource,
            "topics": resource.topics.all(),
            "can_edit": can_edit,
            "file_text_notice": services.file_text_notice(resource) if can_edit else "",
            "can_curate": services.can_curate(request.user),
            "rating_form": rating_form,
            "my_rating": my_rating,
            "used": bool(member) and Use.objects.filter(resource=resource, member=member).exists(),
        },
        status=400 if rating_form.is_bound else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def resource_create(request):
    curator = services.can_curate(request.user)
    form = ResourceForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        curator=curator,
    )
    if request.method == "POST" and form.is_valid():
        resource = form.save(commit=False)
        resource.slug = free_slug(
            Resource,
            resource.title,
            reserved=RESERVED_RESOURCE_SLUGS,
            length=180,
            fallback="resource",
        )
        _save(request, form, resource)
        if curator:
            messages.success(
                request, f"The resource is saved as {resource.get_status_display().lower()}."
            )
        else:
            messages.success(
                request,
                "Thank you: a curator will review your suggestion. Until then only you and the "
                "curators can see it.",
            )
        return redirect(resource)
    return render(
        request, "resources/form.html", {"form": form, "creating": True, "curator": curator}
    )


@login_required
@require_http_methods(["GET", "POST"])
def resource_edit(request, slug):
    resource = services.resource_for(request.user, slug)
    if not services.can_edit(resource, request.user):
        raise Http404
    curator = services.can_curate(request.user)
    form = ResourceForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        instance=resource,
        curator=curator,
    )
    if request.method == "POST" and form.is_valid():
        _save(request, form, form.save(commit=False))
        messages.success(request, "Your changes are saved.")
        return redirect(resource)
    return render(
        request,
        "resources/form.html",
        {
            "form": form,
            "resource": resource,
            "curator": curator,
            "file_text_notice": services.file_text_notice(resource),
        },
    )


@transaction.atomic
def _save(request, form: ResourceForm, resource: Resource) -> None:
    # One transaction: the task reading the file's text starts only once the topics and the
    # index are saved too.
    if resource.status == Resource.Status.PUBLISHED and not resource.published_on:
        resource.published_on = timezone.localdate()
    services.resource_save(
        resource=resource,
        by=request.user,
        upload=form.cleaned_data.get("upload") or None,
        remove_file=form.cleaned_data.get("remove_file", False),
    )
    form.save_m2m()
    services.resource_index(resource)


# Browsers show a PDF through a viewer embedded in the response's own page, which the site-wide
# object-src 'none' would refuse; the file's own address is the only thing it may embed.
@csp_replace({"object-src": [SELF]})
def resource_file(request, slug):
    """The uploaded file, to those who may see the resource; never by a guessable address."""
    resource = services.resource_for(request.user, slug)
    if not resource.file:
        raise Http404
    try:
        stored = resource.file.open("rb")
    except OSError:
        raise Http404 from None
    extension = resource.file.name.rsplit(".", 1)[-1]
    name = resource.file_name or f"{resource.slug}.{extension}"
    response = FileResponse(stored, as_attachment=extension != "pdf", filename=name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def rate(request, slug):
    resource = services.resource_for(request.user, slug)
    form = RatingForm(request.POST)
    if not form.is_valid():
        return resource_detail(request, slug, rating_form=form)
    try:
        services.rating_set(
            resource=resource, member=request.user, stars=form.cleaned_data["stars"]
        )
        messages.success(request, "Thank you: your rating is saved.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(resource)


@login_required
@require_POST
def used(request, slug):
    resource = services.resource_for(request.user, slug)
    try:
        if services.use_toggle(resource=resource, member=request.user):
            messages.success(request, "Thank you: the network counts what members use in practice.")
        else:
            messages.info(request, "You no longer mark this resource as used in practice.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(resource)


@login_required
@require_POST
def curate(request, slug):
    _curators_only(request)
    resource = services.resource_for(request.user, slug)
    action = request.POST.get("action", "")
    if action not in services.CURATOR_ACTIONS:
        raise Http404
    try:
        messages.success(
            request, services.resource_curate(resource=resource, action=action, by=request.user)
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(resource)


# --- the eBulletin --------------------------------------------------------------------------


def bulletin_list(request):
    archive = Bulletin.objects.visible_to(request.user).sent().order_by("-sent_at", "-pk")
    page = Paginator(archive, PAGE_SIZE).get_page(request.GET.get("page"))
    can_curate = services.can_curate(request.user)
    drafts = (
        Bulletin.objects.filter(
            status__in=[Bulletin.Status.DRAFT, Bulletin.Status.SCHEDULED]
        ).order_by("-created_at")
        if can_curate
        else []
    )
    return render(
        request,
        "resources/bulletin_list.html",
        {"page": page, "can_curate": can_curate, "drafts": drafts},
    )


@login_required
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
    return render(request, "resources/bulletin_form.html", {"form": form, "creating": True})


def bulletin_detail(request, slug):
    bulletin = services.bulletin_for(request.user, slug)
    can_curate = services.can_curate(request.user)
    if bulletin.frozen is not None:
        return render(
            request,
            "resources/bulletin.html",
            {
                "bulletin": bulletin,
                "content": services.bulletin_content(bulletin.frozen, request.user),
                "can_curate": can_curate,
                "progress": services.bulletin_progress(bulletin) if can_curate else None,
            },
        )
    # A draft: only curators get here (bulletin_for).
    return _compose_page(request, bulletin, SendForm())


def _compose_page(request, bulletin: Bulletin, send_form: SendForm, status: int = 200):
    return render(
        request,
        "resources/bulletin_compose.html",
        {
            "bulletin": bulletin,
            "content": services.bulletin_snapshot(bulletin),
            "sections": bulletin.sections.all(),
            "send_form": send_form,
            "subscribers": services.subscribers().count(),
        },
        status=status,
    )


def _curated_bulletin(request, slug) -> Bulletin:
    _curators_only(request)
    return services.bulletin_for(request.user, slug)


def _sent_already(request, bulletin: Bulletin):
    messages.error(request, "This bulletin has been sent: it can no longer change.")
    return redirect(bulletin)


@login_required
@require_http_methods(["GET", "POST"])
def bulletin_edit(request, slug):
    bulletin = _curated_bulletin(request, slug)
    if not bulletin.is_editable:
        return _sent_already(request, bulletin)
    form = BulletinForm(request.POST if request.method == "POST" else None, instance=bulletin)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your changes are saved.")
        return redirect(bulletin)
    return render(request, "resources/bulletin_form.html", {"form": form, "bulletin": bulletin})


@login_required
@require_http_methods(["GET", "POST"])
def section_edit(request, slug, section_id=None):
    bulletin = _curated_bulletin(request, slug)
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
        "resources/section_form.html",
        {"form": form, "bulletin": bulletin, "section": section if section_id else None},
    )


@login_required
@require_POST
def section_delete(request, slug, section_id):
    bulletin = _curated_bulletin(request, slug)
    if not bulletin.is_editable:
        return _sent_already(request, bulletin)
    section = get_object_or_404(BulletinSection, pk=section_id, bulletin=bulletin)
    section.delete()
    messages.success(request, f"The section “{section.heading}” is removed.")
    return redirect(bulletin)


@login_required
def bulletin_email(request, slug):
    """The e-mail as a member will see it, addressed to the curator looking at it."""
    bulletin = _curated_bulletin(request, slug)
    frozen = bulletin.frozen or services.bulletin_snapshot(bulletin)
    message = services.BulletinMail(bulletin, frozen).message(
        request.user, profile_for(request.user).bulletin_token
    )
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
@require_POST
def bulletin_test(request, slug):
    from resources.tasks import send_bulletin_test

    bulletin = _curated_bulletin(request, slug)
    send_bulletin_test.delay_on_commit(bulletin.pk, request.user.pk)
    messages.success(request, f"A test copy is on its way to {request.user.email}.")
    return redirect(bulletin)


@login_required
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
        return _compose_page(request, bulletin, form, status=400)
    try:
        if form.cleaned_data["when"] == "later":
            services.bulletin_schedule(bulletin=bulletin, when=form.cleaned_data["send_at"])
            when = timezone.localtime(form.cleaned_data["send_at"])
            messages.success(request, f"The bulletin will be sent on {when:%A %-d %B %Y at %H:%M}.")
        else:
            count = services.bulletin_send(bulletin=bulletin)
            messages.success(
                request, f"The bulletin is on its way to {count} member{'s' if count != 1 else ''}."
            )
    except BulletinError as error:
        messages.error(request, str(error))
    return redirect(bulletin)


@login_required
@never_cache
def bulletin_progress(request, slug):
    _curators_only(request)
    bulletin = services.bulletin_for(request.user, slug)
    if bulletin.frozen is None:
        raise Http404
    return render(
        request,
        "resources/_progress.html",
        {"bulletin": bulletin, "progress": services.bulletin_progress(bulletin)},
    )


@login_required
@require_POST
def bulletin_retry(request, slug):
    bulletin = _curated_bulletin(request, slug)
    try:
        count = services.deliveries_retry_failed(
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
        return render(request, "resources/unsubscribe_invalid.html", status=404)
    if request.method == "POST":
        services.bulletin_unsubscribe(profile=profile)
        return render(request, "resources/unsubscribed.html", {"profile": profile})
    return render(request, "resources/unsubscribe.html", {"profile": profile, "token": token})
