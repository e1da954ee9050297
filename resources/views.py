from csp.constants import SELF
from csp.decorators import csp_replace
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from base.shortcuts import free_slug
from members import hooks
from members.second_factor import staff_page
from resources import services
from resources.filters import ResourceFilter
from resources.forms import RatingForm, ResourceForm
from resources.indexing import resource_index
from resources.models import Rating, Resource, Use
from resources.uploads import file_text_notice

PAGE_SIZE = 20
# Paths under /resources/ that are pages, not slugs.
RESERVED_RESOURCE_SLUGS = frozenset({"new", "review"})


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
    filtered = any(value for key, value in request.GET.items() if key != "page")
    if not filtered:
        # Featured ones stand above the list on its first page, so the list leaves them out on
        # every page: none shown twice, and the pages and the count agree.
        resources = resources.exclude(pk__in=services.featured_resources(library).values("pk"))
    page = Paginator(services.resource_listing(resources), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    featured = [] if filtered else list(services.featured_resources(library))
    can_curate = services.can_curate(request.user)
    return render(
        request,
        "resources/list.html",
        {
            "filter": resource_filter,
            "page": page,
            "filtered": filtered,
            "featured": featured if page.number == 1 else [],
            "besides_featured": bool(featured),
            "can_curate": can_curate,
            "suggestions": Resource.objects.filter(
                status=Resource.Status.DRAFT, suggested_at__isnull=False
            ).count()
            if can_curate
            else 0,
        },
    )


@login_required
@staff_page
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
            "file_text_notice": file_text_notice(resource) if can_edit else "",
            "can_curate": services.can_curate(request.user),
            "rating_form": rating_form,
            "my_rating": my_rating,
            "used": bool(member) and Use.objects.filter(resource=resource, member=member).exists(),
            "panels": hooks.page_panels(resource, request.user),
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
@staff_page
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
            "file_text_notice": file_text_notice(resource),
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
    resource_index(resource)


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
@staff_page
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
