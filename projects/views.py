from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from base.shortcuts import number_or_404
from base.spreadsheets import csv_download
from members.models import Profile
from projects import figures, measures, services
from projects.filters import ProjectFilter
from projects.forms import (
    BaselineForm,
    FiguresUploadForm,
    MeasureForm,
    PhaseForm,
    ProjectForm,
    SampleRowFormSet,
    TeamAddForm,
    TeamRoleForm,
)
from projects.models import Measure, Project, TeamMember
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
    project_filter = ProjectFilter(request.GET, queryset=projects)
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
    context = {
        "project": project,
        **services.project_page(project=project, viewer=request.user),
        **measures.measures_section(project=project, viewer=request.user),
    }
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


# --- measures -------------------------------------------------------------------------------

# Rows of figures the table shows at once, and empty rows under them for new figures.
FIGURES_PAGE_SIZE = 100
EMPTY_ROWS = 5


def _measure_of(project: Project, measure_id, *, prefetch: bool = False) -> Measure:
    measures_of = project.measures.all()
    if prefetch:
        measures_of = measures_of.prefetch_related("samples", "phases")
    measure = measures_of.filter(pk=number_or_404(measure_id)).first()
    if measure is None:
        raise Http404
    # The project as the viewer met it, with what they may do to it.
    measure.project = project
    return measure


@login_required
@require_http_methods(["GET", "POST"])
def measure_create(request, slug):
    project = _editable(request, slug)
    form = MeasureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        measure = measures.measure_create(
            project=project, by=request.user, measure=form.save(commit=False)
        )
        messages.success(request, f"{measure.title} is added: now add its figures.")
        return redirect("projects:measure_data", slug=project.slug, measure_id=measure.pk)
    return render(
        request,
        "projects/measure_form.html",
        {"form": form, "project": project, "creating": True},
    )


@login_required
@require_http_methods(["GET", "POST"])
def measure_edit(request, slug, measure_id):
    project = _editable(request, slug)
    measure = _measure_of(project, measure_id)
    form = MeasureForm(request.POST or None, instance=measure)
    if request.method == "POST" and form.is_valid():
        measures.measure_update(measure=form.save(commit=False), by=request.user)
        messages.success(request, "Your changes are saved.")
        return redirect(measure)
    return render(
        request,
        "projects/measure_form.html",
        {"form": form, "project": project, "measure": measure},
    )


@login_required
@require_http_methods(["GET", "POST"])
def measure_delete(request, slug, measure_id):
    project = _editable(request, slug)
    measure = _measure_of(project, measure_id)
    if request.method == "POST":
        measures.measure_delete(measure=measure, by=request.user)
        messages.success(request, f"{measure.title} and its figures are deleted.")
        return redirect(project)
    return render(request, "projects/measure_delete.html", {"project": project, "measure": measure})


def measure_detail(request, slug, measure_id):
    # Not found for visitors, whatever the project: its figures are for members alone, and a
    # public summary's charts are on the project's page.
    project = _readable(request, slug)
    measure = _measure_of(project, measure_id, prefetch=True)
    if request.GET.get("format"):
        return _measure_download(measure, request.GET["format"])
    shown = measures.measure_shown(measure, cycles=measures.project_cycles(project))
    return render(
        request,
        "projects/measure.html",
        {
            "project": project,
            "measure": measure,
            "shown": shown,
            "target": figures.written(measure.target),
            "phases": [
                {
                    "starts": figures.period_label(measure.period, phase.starts_on),
                    "label": phase.label,
                }
                for phase in measure.phases.all()
            ],
        },
    )


def _measure_download(measure: Measure, kind: str) -> HttpResponse:
    """The chart as an SVG file, or its figures and their analysis as CSV or JSON."""
    if kind == "svg":
        shown = measures.measure_shown(
            measure, cycles=measures.project_cycles(measure.project), standalone=True
        )
        response = HttpResponse(shown.chart, content_type="image/svg+xml; charset=utf-8")
    elif kind == "csv":
        response, writer = csv_download(measures.download_name(measure, "csv"))
        writer.writerow(measures.CSV_COLUMNS)
        for row in measures.csv_rows(measure, measures.measure_analysis(measure)):
            writer.writerow(row)
        return response
    elif kind == "json":
        analysis = measures.measure_analysis(measure)
        response = JsonResponse(
            measures.measure_json(measure, analysis), json_dumps_params={"indent": 2}
        )
    else:
        raise Http404
    response["Content-Disposition"] = (
        f'attachment; filename="{measures.download_name(measure, kind)}"'
    )
    return response


def _figures_page(measure: Measure, page_number):
    samples = measure.samples.order_by("period", "pk")
    paginator = Paginator(samples, FIGURES_PAGE_SIZE)
    # The latest figures first: that is where new ones are added.
    return paginator.get_page(page_number or paginator.num_pages)


def _figures_table(measure: Measure, page) -> SampleRowFormSet:
    initial = [
        {
            "sample": sample.pk,
            "period": figures.period_written(measure.period, sample.period),
            "value": figures.figure_written(sample.value),
            "numerator": figures.figure_written(sample.numerator),
            "denominator": figures.figure_written(sample.denominator),
            "note": sample.note,
        }
        for sample in page
    ]
    return SampleRowFormSet(initial=initial + [{}] * EMPTY_ROWS, prefix="rows")


def _figures_render(request, measure: Measure, *, table, upload, page, problems=(), typed=False):
    """The figures page. `problems`: the rows at fault, of the table (`typed`) or of the file."""
    summary = [
        {"text": str(problem), "href": f"#id_rows-{problem.row - 1}-{problem.field or 'period'}"}
        for problem in (problems if typed else ())
    ]
    if upload.errors.get("file"):
        summary.append({"text": " ".join(upload.errors["file"]), "href": "#id_file"})
    shown = 100
    return render(
        request,
        "projects/measure_data.html",
        {
            "project": measure.project,
            "measure": measure,
            "table": table,
            "upload": upload,
            "page": page,
            "summary": summary[:shown],
            # The file's rows are listed under it, the table's beside their boxes.
            "file_problems": [] if typed else list(problems)[:shown],
            "more_problems": max(len(problems) - shown, 0),
            "ratio": measure.chart in figures.RATIO_CHARTS,
            "period_heading": figures.period_heading(measure.period),
            "upload_columns": figures.upload_columns(measure),
        },
        status=400 if summary else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def measure_data(request, slug, measure_id):
    project = _editable(request, slug)
    measure = _measure_of(project, measure_id)
    page = _figures_page(measure, request.POST.get("page") or request.GET.get("page"))
    if request.method == "GET":
        table = _figures_table(measure, page)
        return _figures_render(request, measure, table=table, upload=FiguresUploadForm(), page=page)
    table = SampleRowFormSet(request.POST, prefix="rows")
    if not table.is_valid():
        # Only a page tampered with (or older than a change to the form) gets here.
        messages.error(request, "The table could not be read: here it is again as it is now.")
        return redirect("projects:measure_data", slug=project.slug, measure_id=measure.pk)
    entries = [
        figures.Entry(
            row=number,
            period=form.cleaned_data.get("period") or "",
            value=form.cleaned_data.get("value") or "",
            numerator=form.cleaned_data.get("numerator") or "",
            denominator=form.cleaned_data.get("denominator") or "",
            note=form.cleaned_data.get("note") or "",
            sample=form.cleaned_data.get("sample"),
            remove=bool(form.cleaned_data.get("remove")),
        )
        for number, form in enumerate(table.forms, start=1)
    ]
    try:
        change = measures.data_enter(measure=measure, by=request.user, entries=entries)
    except figures.BadRows as bad:
        for problem in bad.problems:
            table.forms[problem.row - 1].add_error(problem.field or None, problem.reason)
        return _figures_render(
            request,
            measure,
            table=table,
            upload=FiguresUploadForm(),
            page=page,
            problems=bad.problems,
            typed=True,
        )
    messages.success(request, str(change))
    return redirect(measure)


@login_required
@require_POST
def measure_upload(request, slug, measure_id):
    project = _editable(request, slug)
    measure = _measure_of(project, measure_id)
    upload = FiguresUploadForm(request.POST, request.FILES)
    problems = []
    if upload.is_valid():
        try:
            change = measures.data_upload(
                measure=measure, by=request.user, upload=upload.cleaned_data["file"]
            )
        except figures.FileRefused as refusal:
            upload.add_error("file", str(refusal))
        except figures.BadRows as bad:
            problems = bad.problems
            rows = len(bad.rows)
            upload.add_error(
                "file",
                f"{rows} {'row' if rows == 1 else 'rows'} of the file"
                f" {'needs' if rows == 1 else 'need'} changing (listed below): nothing was saved.",
            )
        else:
            messages.success(request, f"The file is uploaded. {change}")
            return redirect(measure)
    page = _figures_page(measure, None)
    return _figures_render(
        request,
        measure,
        table=_figures_table(measure, page),
        upload=upload,
        page=page,
        problems=problems,
    )


@login_required
@require_http_methods(["GET", "POST"])
def measure_phases(request, slug, measure_id):
    project = _editable(request, slug)
    measure = _measure_of(project, measure_id)
    phase_form = PhaseForm(request.POST if "add_phase" in request.POST else None, prefix="phase")
    baseline_form = BaselineForm(
        request.POST if "set_baseline" in request.POST else None,
        instance=measure,
        prefix="baseline",
    )
    if request.method == "POST" and phase_form.is_bound and phase_form.is_valid():
        try:
            phase = measures.phase_add(
                measure=measure,
                by=request.user,
                starts_on=phase_form.cleaned_data["starts_on"],
                label=phase_form.cleaned_data["label"],
            )
        except measures.MeasureError as refusal:
            phase_form.add_error("starts_on", str(refusal))
        else:
            messages.success(
                request,
                f"A new phase starts in {figures.period_label(measure.period, phase.starts_on)}.",
            )
            return redirect("projects:measure_phases", slug=project.slug, measure_id=measure.pk)
    if request.method == "POST" and baseline_form.is_bound and baseline_form.is_valid():
        points = baseline_form.cleaned_data["baseline"]
        measures.baseline_set(measure=measure, by=request.user, points=points)
        messages.success(
            request,
            f"The baseline is the first {points} points."
            if points
            else "The centre line is worked out from all the points of the first phase.",
        )
        return redirect("projects:measure_phases", slug=project.slug, measure_id=measure.pk)
    return render(
        request,
        "projects/measure_phases.html",
        {
            "project": project,
            "measure": measure,
            "phases": list(measure.phases.all()),
            "phase_form": phase_form,
            "baseline_form": baseline_form,
        },
        status=400 if phase_form.errors or baseline_form.errors else 200,
    )


@login_required
@require_POST
def phase_remove(request, slug, measure_id, phase_id):
    project = _editable(request, slug)
    measure = _measure_of(project, measure_id)
    phase = measures.phase_remove(
        measure=measure, by=request.user, phase_id=number_or_404(phase_id)
    )
    messages.success(
        request,
        f"The phase from {figures.period_label(measure.period, phase.starts_on)} is removed.",
    )
    return redirect("projects:measure_phases", slug=project.slug, measure_id=measure.pk)
