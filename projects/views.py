from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from base.shortcuts import number_or_404
from members.models import Profile
from projects import services
from projects.filters import ProjectFilter
from projects.forms import HelpedForm, ProjectForm, TeamAddForm, TeamRoleForm
from projects.helped import helped_offered, helped_save
from projects.models import Project, TeamMember
from projects.services import ProjectError

PAGE_SIZE = 20


def _readable(request, slug: str) -> Project:
    project = services.project_for(request.user, slug)
    if not project.viewer_reads:
        # A visitor sees a public project's summary; its parts are for members.
        raise Http404
    return project


def _editable(request, slug: str) -> Project:
    project = _readable(request, slug)
    if not project.viewer_edits:
        raise PermissionDenied
    return project


def _led(request, slug: str) -> Project:
    project = _readable(request, slug)
    if not project.viewer_leads:
        raise PermissionDenied
    return project


def project_list(request):
    projects = Project.objects.visible_to(request.user)
    project_filter = ProjectFilter(request.GET, queryset=projects, request=request)
    page = Paginator(services.project_listing(project_filter.qs), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "projects/list.html",
        {
            "filter": project_filter,
            "page": page,
            "filtered": any(value for key, value in request.GET.items() if key != "page"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_create(request):
    form = ProjectForm(request.POST if request.method == "POST" else None, viewer=request.user)
    if request.method == "GET":
        organisation = getattr(getattr(request.user, "profile", None), "organisation_id", None)
        if organisation:
            form.initial["organisations"] = [organisation]
    if request.method == "POST" and form.is_valid():
        project = services.project_create(lead=request.user, project=form.save(commit=False))
        form.save_m2m()
        messages.success(
            request,
            f"{project.title} is started. You are its lead: add your team, then your driver"
            " diagram and measures.",
        )
        return redirect(project)
    return render(request, "projects/form.html", {"form": form, "creating": True})


def project_detail(request, slug):
    project = services.project_for(request.user, slug)
    context = {"project": project, **services.project_page(project=project, viewer=request.user)}
    return render(request, "projects/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request, slug):
    project = _led(request, slug)
    visibility_before = project.visibility
    form = ProjectForm(
        request.POST if request.method == "POST" else None, instance=project, viewer=request.user
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        services.project_saved(
            project=project, by=request.user, visibility_before=visibility_before
        )
        messages.success(request, "Your changes are saved.")
        return redirect(project)
    return render(request, "projects/form.html", {"form": form, "project": project})


@login_required
@require_http_methods(["GET", "POST"])
def team(request, slug):
    project = _readable(request, slug)
    if request.method == "POST":
        project = _led(request, slug)
        form = TeamAddForm(request.POST)
        if form.is_valid():
            profile = (
                Profile.objects.visible_to(request.user)
                .select_related("member")
                .filter(member_id=form.cleaned_data["member"])
                .first()
            )
            if profile is None:
                messages.error(request, "That member could not be found.")
            else:
                try:
                    place = services.team_add(
                        project=project,
                        by=request.user,
                        member=profile.member,
                        role=form.cleaned_data["role"],
                    )
                except ProjectError as refusal:
                    messages.error(request, str(refusal))
                else:
                    messages.success(
                        request,
                        f"{place.member.display_name} is on the team as"
                        f" {place.get_role_display().lower()}.",
                    )
        return redirect("projects:team", slug=project.slug)
    query = request.GET.get("q", "")
    candidates = (
        services.team_candidates(project=project, by=request.user, text=query)
        if project.viewer_leads
        else []
    )
    places = project.team.select_related("member__profile").order_by("role", "joined_at", "pk")
    return render(
        request,
        "projects/team.html",
        {
            "project": project,
            "places": places,
            "query": query,
            "candidates": candidates,
            "roles": TeamMember.Role.choices,
            "lead_count": sum(1 for place in places if place.role == TeamMember.Role.LEAD),
        },
    )


@login_required
@require_POST
def team_role(request, slug, place_id):
    project = _led(request, slug)
    form = TeamRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose lead, team member or sponsor.")
        return redirect("projects:team", slug=project.slug)
    try:
        place = services.team_role_change(
            project=project,
            by=request.user,
            place_id=number_or_404(place_id),
            role=form.cleaned_data["role"],
        )
    except ProjectError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request, f"{place.member.display_name} is now {place.get_role_display().lower()}."
        )
    return redirect("projects:team", slug=project.slug)


@login_required
@require_POST
def team_remove(request, slug, place_id):
    project = _readable(request, slug)
    try:
        place = services.team_remove(project=project, by=request.user, place_id=place_id)
    except ProjectError as refusal:
        messages.error(request, str(refusal))
        return redirect("projects:team", slug=project.slug)
    if place.member_id == request.user.pk:
        messages.success(request, f"You have left the team of {project.title}.")
        return redirect(project)
    messages.success(request, f"{place.member.display_name} is no longer on the team.")
    return redirect("projects:team", slug=project.slug)


@login_required
@require_http_methods(["GET", "POST"])
def helped(request, slug):
    """The team names what helped: ticks from what the page offers, and a search box (a button
    of the same form, so that ticks not yet saved stay ticked) to offer more."""
    project = _editable(request, slug)
    posted = request.method == "POST"
    query = request.POST.get("q", "") if posted else request.GET.get("q", "")
    offered = helped_offered(
        project=project,
        editor=request.user,
        text=query,
        chosen={kind: request.POST.getlist(kind) for kind in HelpedForm.KINDS} if posted else None,
    )
    form = HelpedForm(request.POST if posted else None, offered=offered)
    if posted and request.POST.get("action") != "find" and form.is_valid():
        helped_save(project=project, by=request.user, chosen=form.chosen())
        messages.success(request, "What helped is saved. Each of them now shows your project.")
        return redirect(project)
    return render(
        request,
        "projects/helped.html",
        {
            "project": project,
            "form": form,
            "query": " ".join(query.split())[:200],
            "found": sum(thing.found for things in offered.values() for thing in things),
        },
        status=400 if form.errors else 200,
    )
