from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from base.shortcuts import number_or_404
from base.spreadsheets import csv_download
from base.text_search import search_text
from members.models import Profile
from projects import diagrams, figures, measures, services
from projects.drawing import diagram_svg
from projects.filters import ProjectFilter
from projects.forms import (
    AdoptForm,
    BaselineForm,
    CycleForm,
    DiagramChangeForm,
    FiguresUploadForm,
    HelpedForm,
    IdeaForm,
    MeasureForm,
    OutlineForm,
    PhaseForm,
    ProjectForm,
    SampleRowFormSet,
    TeamAddForm,
    TeamRoleForm,
)
from projects.helped import helped_offered, helped_save
from projects.models import ChangeIdea, Cycle, Measure, Project, TeamMember
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
    # Shown back in the box as it was searched: a NUL byte or a line break typed in goes.
    query = search_text(request.GET.get("q", ""), length=100)
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
        # A team-only project is no longer theirs to see: the list, not a page not found.
        if Project.objects.visible_to(request.user).filter(pk=project.pk).exists():
            return redirect(project)
        return redirect("projects:list")
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
        try:
            measures.measure_update(measure=form.save(commit=False), by=request.user)
        except measures.MeasureError as refusal:
            # Only a change of chart is refused once the form is right: by the figures held.
            form.add_error("chart", str(refusal))
            measure.refresh_from_db()  # the page is named as the measure still is
        else:
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
    # The chart's own table would repeat the fuller one below it.
    shown = measures.measure_shown(measure, cycles=measures.project_cycles(project), table=False)
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
        drawing = measures.measure_svg(measure, cycles=measures.project_cycles(measure.project))
        response = HttpResponse(drawing, content_type="image/svg+xml; charset=utf-8")
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


# --- the driver diagram, change ideas and PDSA cycles ------------------------------------------


@dataclass
class _Problem:
    """A refused change on the diagram page, shown beside the field it came from."""

    field: str
    message: str
    text: str


def _change_diagram(project: Project, by, change: dict) -> str:
    """Makes one change of the diagram page; returns what the page focuses next."""
    action, text = change["action"], change["text"]
    if action in {"add-driver", "add-idea"}:
        under = change["under"][1] if change["under"] else None
        if action == "add-driver":
            diagrams.driver_add(project=project, by=by, text=text, parent_id=under)
        else:
            diagrams.idea_add(project=project, by=by, title=text, driver_id=under)
        return f"add-{change['under'][0]}-{under}" if under else "add-top"
    kind, entry_id = change["entry"]
    if action == "rename":
        diagrams.entry_rename(project=project, by=by, kind=kind, entry_id=entry_id, text=text)
    elif action == "remove":
        diagrams.entry_remove(project=project, by=by, kind=kind, entry_id=entry_id)
        return ""
    else:
        step = -1 if action == "up" else 1
        diagrams.entry_move(project=project, by=by, kind=kind, entry_id=entry_id, step=step)
        return f"{kind}-{entry_id}-{action}"
    return f"{kind}-{entry_id}"


def _problem_field(change: dict) -> str:
    if change["action"].startswith("add-"):
        return f"add-{change['under'][0]}-{change['under'][1]}" if change["under"] else "add-top"
    return "{}-{}".format(*change["entry"])


@require_http_methods(["GET", "POST"])
def diagram(request, slug):
    project = _editable(request, slug)
    outline_form = OutlineForm()
    problem = None
    if request.method == "POST" and request.POST.get("action") == "outline":
        outline_form = OutlineForm(request.POST)
        if outline_form.is_valid():
            result = diagrams.outline_apply(
                project=project, by=request.user, lines=outline_form.lines
            )
            messages.success(request, f"The diagram is saved: {result.summary}.")
            if result.kept:
                messages.info(
                    request,
                    "Kept, out of the diagram, because of their PDSA cycles or the projects"
                    " testing them too: " + ", ".join(f"“{idea}”" for idea in result.kept) + ".",
                )
            return redirect("projects:diagram", slug=project.slug)
    elif request.method == "POST":
        form = DiagramChangeForm(request.POST)
        if not form.is_valid():
            raise Http404
        try:
            focus = _change_diagram(project, request.user, form.cleaned_data)
        except diagrams.NeedsConfirmation as asked:
            return redirect(
                f"projects:{asked.removal.kind}_remove",
                slug=project.slug,
                pk=asked.removal.entry.pk,
            )
        except ProjectError as refusal:
            problem = _Problem(
                _problem_field(form.cleaned_data), str(refusal), form.cleaned_data["text"]
            )
        else:
            address = reverse("projects:diagram", args=[project.slug])
            # The entry just changed takes the focus again (autofocus: no script needed), so
            # the next one can be typed at once. A #fragment would stop browsers autofocusing.
            return redirect(f"{address}?at={focus}" if focus else address)
    driver_diagram = services.diagram_of(project=project)
    if not outline_form.is_bound:
        outline_form.initial["outline"] = diagrams.outline_of(driver_diagram)
    # The box fits the outline, so that the whole diagram shows at once.
    lines = (outline_form["outline"].value() or "").count("\n") + 1
    outline_form.fields["outline"].widget.attrs["rows"] = min(max(lines + 2, 8), 40)
    return render(
        request,
        "projects/diagram.html",
        {
            "project": project,
            "diagram": driver_diagram,
            "diagram_svg": diagram_svg(aim=project.aim, diagram=driver_diagram),
            "outline_form": outline_form,
            "problem": problem,
            "at": request.GET.get("at", ""),
        },
    )


@require_http_methods(["GET", "POST"])
def diagram_remove(request, slug, pk, kind):
    project = _editable(request, slug)
    if request.method == "POST":
        removal = diagrams.entry_remove(
            project=project, by=request.user, kind=kind, entry_id=pk, confirmed=True
        )
        messages.success(request, f"“{removal.name}” is removed.")
        return redirect("projects:diagram", slug=project.slug)
    removal = diagrams.removal_of(project=project, kind=kind, entry_id=pk, viewer=request.user)
    return render(request, "projects/diagram_remove.html", {"project": project, "removal": removal})


def idea(request, slug):
    change_idea = diagrams.idea_for(request.user, slug)
    context = {
        "idea": change_idea,
        "project": change_idea.project,
        **diagrams.idea_page(idea=change_idea, viewer=request.user),
    }
    return render(request, "projects/idea.html", context)


def _editable_idea(request, slug, pk) -> tuple[Project, ChangeIdea]:
    project = _editable(request, slug)
    change_idea = project.ideas.filter(pk=number_or_404(pk)).first()
    if change_idea is None:
        raise Http404
    return project, change_idea


@require_http_methods(["GET", "POST"])
def idea_edit(request, slug, pk):
    project, change_idea = _editable_idea(request, slug, pk)
    form = IdeaForm(
        request.POST if request.method == "POST" else None,
        instance=change_idea,
        drivers=list(project.drivers.all()),
    )
    if request.method == "POST" and form.is_valid():
        diagrams.idea_save(project=project, by=request.user, idea=form.save(commit=False))
        messages.success(request, "Your changes are saved.")
        return redirect(change_idea)
    return render(
        request, "projects/idea_form.html", {"project": project, "idea": change_idea, "form": form}
    )


@require_http_methods(["GET", "POST"])
def idea_adopt(request, slug):
    change_idea = diagrams.idea_for(request.user, slug)
    choices = diagrams.adoption_choices(idea=change_idea, viewer=request.user)
    if not choices:
        raise PermissionDenied
    form = AdoptForm(request.POST if request.method == "POST" else None, choices=choices)
    if request.method == "POST" and form.is_valid():
        project_id, driver_id = form.cleaned_data["place"]
        try:
            adopted = diagrams.idea_adopt(
                idea=change_idea, by=request.user, project_id=project_id, driver_id=driver_id
            )
        except ProjectError as refusal:
            form.add_error("place", str(refusal))
        else:
            messages.success(
                request,
                f"{adopted.project.title} is testing this idea too. Plan its first PDSA cycle"
                " when you are ready.",
            )
            return redirect(adopted)
    return render(
        request,
        "projects/idea_adopt.html",
        {"idea": change_idea, "project": change_idea.project, "form": form},
    )


@require_http_methods(["GET", "POST"])
def cycle_create(request, slug, pk):
    project, change_idea = _editable_idea(request, slug, pk)
    form = CycleForm(
        request.POST if request.method == "POST" else None, instance=Cycle(idea=change_idea)
    )
    if request.method == "POST" and form.is_valid():
        cycle = diagrams.cycle_create(
            project=project, by=request.user, cycle=form.save(commit=False)
        )
        messages.success(request, f"PDSA cycle {cycle.number} is saved.")
        return redirect(f"{change_idea.get_absolute_url()}#cycle-{cycle.number}")
    return render(
        request,
        "projects/cycle_form.html",
        {
            "project": project,
            "idea": change_idea,
            "form": form,
            "creating": True,
            "number": change_idea.cycles.count() + 1,
        },
    )


def _editable_cycle(request, slug, pk, number) -> tuple[Project, ChangeIdea, Cycle]:
    project, change_idea = _editable_idea(request, slug, pk)
    cycle = change_idea.cycles.filter(number=number_or_404(number)).first()
    if cycle is None:
        raise Http404
    return project, change_idea, cycle


@require_http_methods(["GET", "POST"])
def cycle_edit(request, slug, pk, number):
    project, change_idea, cycle = _editable_cycle(request, slug, pk, number)
    form = CycleForm(request.POST if request.method == "POST" else None, instance=cycle)
    if request.method == "POST" and form.is_valid():
        diagrams.cycle_save(project=project, by=request.user, cycle=form.save(commit=False))
        messages.success(request, f"PDSA cycle {cycle.number} is saved.")
        return redirect(f"{change_idea.get_absolute_url()}#cycle-{cycle.number}")
    return render(
        request,
        "projects/cycle_form.html",
        {"project": project, "idea": change_idea, "form": form, "cycle": cycle},
    )


@require_http_methods(["GET", "POST"])
def cycle_remove(request, slug, pk, number):
    project, change_idea, cycle = _editable_cycle(request, slug, pk, number)
    if request.method == "POST":
        diagrams.cycle_remove(project=project, by=request.user, cycle=cycle)
        messages.success(request, f"PDSA cycle {cycle.number} is removed.")
        return redirect(change_idea)
    return render(
        request,
        "projects/cycle_remove.html",
        {
            "project": project,
            "idea": change_idea,
            "cycle": cycle,
            "later": change_idea.cycles.filter(number__gt=cycle.number).exists(),
        },
    )
