"""A project's driver diagram, its change ideas and their PDSA cycles, and how ideas spread.

Every change goes through a project the member may edit (Project.objects.editable_by), with the
project's row locked, so two teammates editing at once each see the other's change. Ideas that
have PDSA cycles, or that other projects are testing too, are never removed without the team
being asked (a confirmation page), and never by an outline.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from base.errors import NotFound
from base.queries import per_row
from base.shortcuts import private_slug
from members.models import Region, User
from projects.drawing import Diagram
from projects.models import ChangeIdea, Cycle, Driver, Project
from projects.services import ProjectError, diagram_of, project_touch

TEXT_LIMIT = 300
OUTLINE_LIMIT = 300  # lines
DRIVER, IDEA = "driver", "idea"


def _lock(project: Project, by: User) -> Project:
    """The project, locked for this transaction, if `by` may change its diagram; else NotFound."""
    locked = Project.objects.editable_by(by).select_for_update().filter(pk=project.pk).first()
    if locked is None:
        raise NotFound
    return locked


def _words(text: str, what: str) -> str:
    text = " ".join((text or "").split())
    if not text:
        raise ProjectError(f"Write the {what}.")
    if len(text) > TEXT_LIMIT:
        raise ProjectError(
            f"Shorten the {what} to {TEXT_LIMIT} characters or fewer (it has {len(text)})."
        )
    return text


def _idea_slug(title: str) -> str:
    # Made as a project's address is: another team's idea of the same name, even one hidden
    # from this team, never changes the form of this one's.
    return private_slug(ChangeIdea, title, length=140, fallback="change-idea")


def _next_position(rows: QuerySet) -> int:
    last = rows.order_by("-position").values_list("position", flat=True).first()
    return 0 if last is None else last + 1


def _driver(project: Project, driver_id: int | None) -> Driver | None:
    if driver_id is None:
        return None
    driver = project.drivers.filter(pk=driver_id).first()
    if driver is None:
        raise NotFound
    return driver


def _entry(project: Project, kind: str, entry_id: int) -> Driver | ChangeIdea:
    rows = project.drivers if kind == DRIVER else project.ideas
    entry = rows.filter(pk=entry_id).first()
    if entry is None:
        raise NotFound
    return entry


def _siblings(entry: Driver | ChangeIdea) -> QuerySet:
    if isinstance(entry, Driver):
        return Driver.objects.filter(project_id=entry.project_id, parent_id=entry.parent_id)
    return ChangeIdea.objects.filter(project_id=entry.project_id, driver_id=entry.driver_id)


# --- the nested lists ------------------------------------------------------------------------


def driver_add(*, project: Project, by: User, text: str, parent_id: int | None = None) -> Driver:
    """A primary driver, or a secondary one under the primary driver `parent_id`."""
    with transaction.atomic():
        _lock(project, by)
        parent = _driver(project, parent_id)
        if parent is not None and not parent.is_primary:
            raise ProjectError("Secondary drivers have change ideas under them, not drivers.")
        text = _words(text, "secondary driver" if parent else "primary driver")
        driver = Driver.objects.create(
            project=project,
            parent=parent,
            text=text,
            position=_next_position(project.drivers.filter(parent=parent)),
        )
        project_touch(project=project)
    return driver


def idea_add(*, project: Project, by: User, title: str, driver_id: int | None = None) -> ChangeIdea:
    """A change idea under a driver (secondary, or primary), or in no place yet."""
    with transaction.atomic():
        _lock(project, by)
        driver = _driver(project, driver_id)
        title = _words(title, "change idea")
        idea = ChangeIdea.objects.create(
            project=project,
            driver=driver,
            title=title,
            slug=_idea_slug(title),
            position=_next_position(project.ideas.filter(driver=driver)),
        )
        project_touch(project=project)
    return idea


def entry_rename(
    *, project: Project, by: User, kind: str, entry_id: int, text: str
) -> Driver | ChangeIdea:
    with transaction.atomic():
        _lock(project, by)
        entry = _entry(project, kind, entry_id)
        if kind == DRIVER:
            entry.text = _words(text, "primary driver" if entry.is_primary else "secondary driver")
            entry.save(update_fields=["text"])
        else:
            entry.title = _words(text, "change idea")
            entry.save(update_fields=["title"])
        project_touch(project=project)
    return entry


def entry_move(
    *, project: Project, by: User, kind: str, entry_id: int, step: int
) -> Driver | ChangeIdea:
    """Moves an entry up (step -1) or down (+1) among the entries beside it."""
    with transaction.atomic():
        _lock(project, by)
        entry = _entry(project, kind, entry_id)
        siblings = list(_siblings(entry).order_by("position", "pk"))
        here = next(number for number, sibling in enumerate(siblings) if sibling.pk == entry.pk)
        there = here + (1 if step > 0 else -1)
        if 0 <= there < len(siblings):
            siblings[here], siblings[there] = siblings[there], siblings[here]
        for position, sibling in enumerate(siblings):
            sibling.position = position
        type(entry).objects.bulk_update(siblings, ["position"])
        project_touch(project=project)
    return entry


@dataclass
class Removal:
    """What removing an entry takes with it, for the team to confirm first."""

    entry: Driver | ChangeIdea
    kind: str
    secondaries: list[Driver] = field(default_factory=list)
    # Each with cycle_count, adoption_count (every project testing it too) and seen_adoptions
    # (those the member removing it may see).
    ideas: list[ChangeIdea] = field(default_factory=list)

    @property
    def cycle_count(self) -> int:
        return sum(idea.cycle_count for idea in self.ideas)

    @property
    def ideas_with_cycles(self) -> list[ChangeIdea]:
        return [idea for idea in self.ideas if idea.cycle_count]

    @property
    def spread_count(self) -> int:
        """The ideas that projects the member may see are testing too: what the page tells."""
        return sum(1 for idea in self.ideas if idea.seen_adoptions)

    @property
    def asks_first(self) -> bool:
        """A driver with anything under it, or an idea with cycles or that other projects are
        testing too, is removed only once the team has said yes on a page of its own."""
        if self.kind == DRIVER:
            return bool(self.secondaries or self.ideas)
        return any(idea.cycle_count or idea.adoption_count for idea in self.ideas)

    @property
    def name(self) -> str:
        return self.entry.text if self.kind == DRIVER else self.entry.title


def _counted(ideas: QuerySet, viewer=None) -> QuerySet:
    """Ideas with their cycle_count and adoption_count; with a viewer, seen_adoptions too: the
    adoptions in projects they may see, the only ones a page may tell them of."""
    counted = ideas.annotate(
        cycle_count=per_row(Cycle.objects.all(), "idea"),
        adoption_count=per_row(ChangeIdea.objects.all(), "adopted_from"),
    )
    if viewer is None:
        return counted
    return counted.annotate(
        seen_adoptions=per_row(ChangeIdea.objects.visible_to(viewer), "adopted_from")
    )


def removal_of(*, project: Project, kind: str, entry_id: int, viewer) -> Removal:
    """What removing the entry takes with it, as the member removing it is told."""
    entry = _entry(project, kind, entry_id)
    if kind == IDEA:
        ideas = list(_counted(project.ideas.filter(pk=entry.pk), viewer))
        return Removal(entry, kind, ideas=ideas)
    secondaries = list(entry.secondary.all()) if entry.is_primary else []
    under = [entry.pk, *(secondary.pk for secondary in secondaries)]
    ideas = list(_counted(project.ideas.filter(driver_id__in=under), viewer))
    return Removal(entry, kind, secondaries=secondaries, ideas=ideas)


class NeedsConfirmation(Exception):
    def __init__(self, removal: Removal):
        super().__init__(removal.name)
        self.removal = removal


def entry_remove(
    *, project: Project, by: User, kind: str, entry_id: int, confirmed: bool = False
) -> Removal:
    """Removes a driver (with its secondary drivers and change ideas) or a change idea (with
    its cycles). NeedsConfirmation when it would take more than one line of the list with it,
    or an idea with a history (cycles, other projects testing it too), and the team has not
    confirmed."""
    with transaction.atomic():
        _lock(project, by)
        removal = removal_of(project=project, kind=kind, entry_id=entry_id, viewer=by)
        if removal.asks_first and not confirmed:
            raise NeedsConfirmation(removal)
        _ideas_remove([idea.pk for idea in removal.ideas])
        removal.entry.delete()
        project_touch(project=project)
    return removal


def _ideas_remove(idea_ids: list[int]) -> None:
    """Removes ideas with their cycles. Another project testing an idea keeps its own: the
    first of them to adopt it becomes the original the others adopted."""
    for root in ChangeIdea.objects.filter(pk__in=idea_ids, adoptions__isnull=False).distinct():
        adoptions = list(root.adoptions.order_by("created_at", "pk"))
        heir, others = adoptions[0], adoptions[1:]
        ChangeIdea.objects.filter(pk=heir.pk).update(adopted_from=None)
        ChangeIdea.objects.filter(pk__in=[other.pk for other in others]).update(adopted_from=heir)
    ChangeIdea.objects.filter(pk__in=idea_ids).delete()


def idea_save(*, project: Project, by: User, idea: ChangeIdea) -> ChangeIdea:
    """Saves an idea's title, description and place, edited on its own page."""
    with transaction.atomic():
        _lock(project, by)
        if idea.project_id != project.pk:
            raise NotFound
        before = ChangeIdea.objects.values_list("driver_id", flat=True).get(pk=idea.pk)
        if idea.driver_id is not None and not project.drivers.filter(pk=idea.driver_id).exists():
            raise NotFound
        if idea.driver_id != before:
            idea.position = _next_position(project.ideas.filter(driver_id=idea.driver_id))
        idea.title = _words(idea.title, "change idea")
        idea.save()
        project_touch(project=project)
    return idea


# --- the outline -----------------------------------------------------------------------------

LEVELS = {1: "primary driver", 2: "secondary driver", 3: "change idea"}
# Bullets pasted from a document: the outline's indentation says the level, not the bullet.
_BULLET = re.compile("^(?:[-*+\u2022\u25e6\u25aa\u2013\u2014]|\\d{1,2}[.)])\\s+")


@dataclass(frozen=True)
class OutlineLine:
    number: int
    level: int
    text: str


class OutlineError(Exception):
    def __init__(self, problems: list[str]):
        super().__init__(" ".join(problems))
        self.problems = problems


def _indent_of(line: str, number: int) -> tuple[int, str | None]:
    """The line's level (0 = at the left edge), from its tabs and pairs of spaces."""
    level = 0
    spaces = 0
    for character in line:
        if character == "\t":
            if spaces % 2:
                break
            level += 1 + spaces // 2
            spaces = 0
        elif character in " \u00a0":
            spaces += 1
        else:
            break
    if spaces % 2:
        return 0, (
            f"Line {number} starts with {spaces} space{'s' if spaces > 1 else ''}: indent by two"
            " spaces or a tab for each level."
        )
    return level + spaces // 2, None


def outline_parse(text: str) -> list[OutlineLine]:
    """An indented outline, one line for each entry: no indent for a primary driver, one level
    (two spaces or a tab) for a secondary driver under it, two for a change idea. A change
    idea straight under a primary driver belongs to the primary driver. OutlineError names
    every line that cannot be read (the first few)."""
    problems: list[str] = []
    lines: list[OutlineLine] = []
    written = [
        (number, line.rstrip())
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip()
    ]
    if not written:
        raise OutlineError(["Write at least one primary driver, one on each line."])
    if len(written) > OUTLINE_LIMIT:
        raise OutlineError(
            [f"The outline has {len(written)} lines: a diagram can have {OUTLINE_LIMIT} at most."]
        )
    has_primary = False
    for number, line in written:
        indent, problem = _indent_of(line, number)
        if problem:
            problems.append(problem)
            continue
        words = " ".join(_BULLET.sub("", line.strip()).split())
        if not words:
            continue
        level = indent + 1
        if level > 3:
            problems.append(
                f"Line {number} is indented {indent} levels: the outline has three levels,"
                " primary drivers at the left edge, secondary drivers one level in and change"
                " ideas two levels in."
            )
        elif level > 1 and not has_primary:
            problems.append(
                f"Line {number} is indented under nothing: put a primary driver on a line"
                " above it, at the left edge."
            )
        elif len(words) > TEXT_LIMIT:
            problems.append(
                f"Line {number} is longer than {TEXT_LIMIT} characters ({len(words)}): shorten it."
            )
        else:
            has_primary = True
            lines.append(OutlineLine(number, level, words))
    if problems:
        shown = problems[:5]
        if len(problems) > 5:
            more = len(problems) - 5
            shown.append(f"{more} more line{'s' if more > 1 else ''} cannot be read either.")
        raise OutlineError(shown)
    return lines


def outline_of(diagram: Diagram) -> str:
    """The diagram as the outline box shows it, two spaces a level."""
    lines = []
    for primary in diagram.primaries:
        lines.append(primary.driver.text)
        lines.extend(f"    {idea.title}" for idea in primary.ideas)
        for secondary in primary.secondaries:
            lines.append(f"  {secondary.driver.text}")
            lines.extend(f"    {idea.title}" for idea in secondary.ideas)
    return "\n".join(lines)


@dataclass
class _Planned:
    """An entry of the outline, and the entry of the diagram it becomes."""

    line: OutlineLine
    parent: _Planned | None
    children: list[_Planned] = field(default_factory=list)
    existing: Driver | ChangeIdea | None = None

    @property
    def level(self) -> int:
        return self.line.level


@dataclass
class OutlineResult:
    added: int = 0
    renamed: int = 0
    removed: int = 0
    # Change ideas left out of the outline but kept (with cycles, or tested elsewhere).
    kept: list[ChangeIdea] = field(default_factory=list)

    @property
    def summary(self) -> str:
        parts = []
        if self.added:
            parts.append(f"{self.added} added")
        if self.renamed:
            parts.append(f"{self.renamed} renamed")
        if self.removed:
            parts.append(f"{self.removed} removed")
        return ", ".join(parts) if parts else "nothing changed"


def _plan(lines: list[OutlineLine]) -> list[_Planned]:
    top: list[_Planned] = []
    primary: _Planned | None = None
    secondary: _Planned | None = None
    for line in lines:
        if line.level == 1:
            primary, secondary = _Planned(line, None), None
            top.append(primary)
        elif line.level == 2:
            secondary = _Planned(line, primary)
            primary.children.append(secondary)
        else:
            parent = secondary if secondary is not None else primary
            parent.children.append(_Planned(line, parent))
    return top


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def _close(before: str, after: str) -> bool:
    """Whether new words read as the old ones corrected, not as something else."""
    return SequenceMatcher(None, _key(before), _key(after)).ratio() >= 0.6


def _match(
    planned: list[_Planned], existing: list, text_of, parent_of, may_rename=lambda *_: True
) -> None:
    """Pairs each planned entry with an existing one of the same words, preferring one under
    the same parent; then, under each parent, a planned entry with new words with the unpaired
    existing entry in the same place (a line changed in place is a rename), if `may_rename`."""
    pool: dict[str, list] = defaultdict(list)
    for entry in existing:
        pool[_key(text_of(entry))].append(entry)
    taken: set[int] = set()
    for plan in planned:
        candidates = [entry for entry in pool[_key(plan.line.text)] if entry.pk not in taken]
        if not candidates:
            continue
        wanted = plan.parent.existing if plan.parent else None
        wanted_pk = wanted.pk if wanted is not None else None
        chosen = next(
            (entry for entry in candidates if parent_of(entry) == wanted_pk), candidates[0]
        )
        plan.existing = chosen
        taken.add(chosen.pk)
    # In place: the n-th unpaired line under a parent and the n-th entry that parent had.
    by_parent: dict[int | None, list] = defaultdict(list)
    for entry in existing:
        by_parent[parent_of(entry)].append(entry)
    planned_by_parent: dict[int | None, list[_Planned]] = defaultdict(list)
    for plan in planned:
        if plan.parent is None:
            planned_by_parent[None].append(plan)
        elif plan.parent.existing is not None:
            planned_by_parent[plan.parent.existing.pk].append(plan)
    for parent_pk, plans in planned_by_parent.items():
        before = by_parent.get(parent_pk, [])
        for place, plan in enumerate(plans):
            if (
                plan.existing is None
                and place < len(before)
                and before[place].pk not in taken
                and may_rename(before[place], plan.line.text)
            ):
                plan.existing = before[place]
                taken.add(before[place].pk)


def outline_apply(*, project: Project, by: User, lines: list[OutlineLine]) -> OutlineResult:
    """The diagram becomes the outline. An entry whose words the outline keeps stays the same
    entry (its cycles, its page and its spread with it), wherever the outline moves it; a line
    changed in place renames its entry; new lines are added; entries left out are removed,
    except change ideas with PDSA cycles or tested by other projects, which stay in the
    project, out of the diagram."""
    result = OutlineResult()
    with transaction.atomic():
        _lock(project, by)
        diagram = diagram_of(project=project)
        plan = _plan(lines)
        primaries = [branch.driver for branch in diagram.primaries]
        secondaries = [s.driver for branch in diagram.primaries for s in branch.secondaries]
        # Ideas out of the diagram are matched too: a line can put one back in its place.
        ideas = diagram.placed_ideas() + diagram.unplaced
        planned_secondaries = [child for p in plan for child in p.children if child.level == 2]
        planned_ideas = [
            idea
            for p in plan
            for idea in [
                *(c for c in p.children if c.level == 3),
                *(i for s in p.children if s.level == 2 for i in s.children),
            ]
        ]
        _match(plan, primaries, lambda driver: driver.text, lambda driver: None)
        _match(planned_secondaries, secondaries, lambda d: d.text, lambda d: d.parent_id)
        adopted = set(
            ChangeIdea.objects.filter(adopted_from__in=[idea.pk for idea in ideas]).values_list(
                "adopted_from_id", flat=True
            )
        )

        def may_rename(idea: ChangeIdea, text: str) -> bool:
            # Other words in the place of an idea with a history are another idea, unless they
            # read as the same words corrected: its cycles must not pass to something else.
            has_history = idea.cycle_count or idea.pk in adopted
            return not has_history or _close(idea.title, text)

        _match(
            planned_ideas, ideas, lambda idea: idea.title, lambda idea: idea.driver_id, may_rename
        )

        def save_driver(plan_entry: _Planned, parent: Driver | None, position: int) -> Driver:
            driver = plan_entry.existing
            if driver is None:
                driver = Driver.objects.create(
                    project=project, parent=parent, text=plan_entry.line.text, position=position
                )
                result.added += 1
            else:
                if driver.text != plan_entry.line.text:
                    result.renamed += _key(driver.text) != _key(plan_entry.line.text)
                driver.text, driver.parent, driver.position = (
                    plan_entry.line.text,
                    parent,
                    position,
                )
                driver.save(update_fields=["text", "parent", "position"])
            plan_entry.existing = driver
            return driver

        def save_idea(plan_entry: _Planned, driver: Driver, position: int) -> None:
            idea = plan_entry.existing
            if idea is None:
                ChangeIdea.objects.create(
                    project=project,
                    driver=driver,
                    title=plan_entry.line.text,
                    slug=_idea_slug(plan_entry.line.text),
                    position=position,
                )
                result.added += 1
                return
            if idea.title != plan_entry.line.text:
                result.renamed += _key(idea.title) != _key(plan_entry.line.text)
            idea.title, idea.driver, idea.position = plan_entry.line.text, driver, position
            idea.save(update_fields=["title", "driver", "position"])

        for position, primary_plan in enumerate(plan):
            primary = save_driver(primary_plan, None, position)
            secondary_position = idea_position = 0
            for child in primary_plan.children:
                if child.level == 3:
                    save_idea(child, primary, idea_position)
                    idea_position += 1
                    continue
                secondary = save_driver(child, primary, secondary_position)
                secondary_position += 1
                for position_under, idea_plan in enumerate(child.children):
                    save_idea(idea_plan, secondary, position_under)

        kept_drivers = {
            p.existing.pk for p in [*plan, *planned_secondaries] if p.existing is not None
        }
        kept_ideas = {p.existing.pk for p in planned_ideas if p.existing is not None}
        left_out = [idea for idea in diagram.placed_ideas() if idea.pk not in kept_ideas]
        counted = {
            idea.pk: idea
            for idea in _counted(ChangeIdea.objects.filter(pk__in=[i.pk for i in left_out]))
        }
        removed_ideas = []
        unplaced_position = _next_position(project.ideas.filter(driver=None))
        for idea in left_out:
            if counted[idea.pk].cycle_count or counted[idea.pk].adoption_count:
                ChangeIdea.objects.filter(pk=idea.pk).update(
                    driver=None, position=unplaced_position
                )
                unplaced_position += 1
                result.kept.append(idea)
            else:
                removed_ideas.append(idea.pk)
        _ideas_remove(removed_ideas)
        old_drivers = [driver.pk for driver in [*secondaries, *primaries]]
        gone = [pk for pk in old_drivers if pk not in kept_drivers]
        Driver.objects.filter(pk__in=gone).delete()
        result.removed = len(removed_ideas) + len(gone)
        project_touch(project=project)
    return result


# --- PDSA cycles -----------------------------------------------------------------------------


def cycle_create(*, project: Project, by: User, cycle: Cycle) -> Cycle:
    """Saves a new cycle of an idea as its next number."""
    with transaction.atomic():
        _lock(project, by)
        idea = ChangeIdea.objects.select_for_update().filter(pk=cycle.idea_id).first()
        if idea is None or idea.project_id != project.pk:
            raise NotFound
        last = idea.cycles.order_by("-number").values_list("number", flat=True).first()
        cycle.number = (last or 0) + 1
        cycle.created_by = by
        cycle.save()
        project_touch(project=project)
    return cycle


def cycle_save(*, project: Project, by: User, cycle: Cycle) -> Cycle:
    with transaction.atomic():
        _lock(project, by)
        if not project.ideas.filter(pk=cycle.idea_id).exists() or cycle.pk is None:
            raise NotFound
        cycle.save()
        project_touch(project=project)
    return cycle


def cycle_remove(*, project: Project, by: User, cycle: Cycle) -> None:
    """Removes a cycle; the later ones take the numbers down one, so the ramp has no gap."""
    with transaction.atomic():
        _lock(project, by)
        idea = ChangeIdea.objects.select_for_update().filter(pk=cycle.idea_id).first()
        if idea is None or idea.project_id != project.pk:
            raise NotFound
        Cycle.objects.filter(pk=cycle.pk).delete()
        for later in idea.cycles.filter(number__gt=cycle.number).order_by("number"):
            later.number -= 1
            later.save(update_fields=["number"])
        project_touch(project=project)


# --- a change idea's page, its spread and its adoption ---------------------------------------


def idea_for(viewer, slug: str) -> ChangeIdea:
    """The change idea at `slug`, if the viewer may read its project, with `viewer_edits`."""
    idea = (
        ChangeIdea.objects.visible_to(viewer)
        .select_related("project", "driver__parent")
        .annotate(
            viewer_edits=Exists(
                Project.objects.editable_by(viewer).filter(pk=OuterRef("project_id"))
            )
        )
        .filter(slug=slug)
        .first()
    )
    if idea is None:
        raise NotFound
    return idea


def _root_id(idea: ChangeIdea) -> int:
    return idea.adopted_from_id or idea.pk


def _family(idea: ChangeIdea) -> QuerySet:
    root = _root_id(idea)
    return ChangeIdea.objects.filter(Q(pk=root) | Q(adopted_from_id=root))


@dataclass
class Place:
    """One project testing the idea, as the spread shows it."""

    idea: ChangeIdea
    organisations: list
    regions: list[str]
    is_original: bool
    is_this: bool

    @property
    def project(self) -> Project:
        return self.idea.project


@dataclass
class Spread:
    levels: list[tuple[str, list[Place]]]
    organisation_count: int
    region_count: int

    @property
    def places(self) -> list[Place]:
        return [place for _, places in self.levels for place in places]

    @property
    def has_spread(self) -> bool:
        return len(self.places) > 1


def spread_of(*, idea: ChangeIdea, viewer) -> Spread:
    """Where the idea is tested: the original and every project that adopted it, grouped by
    level from locality to national, of the projects the viewer may see alone (a project
    hidden from them is not named, nor counted)."""
    family = (
        _family(idea)
        .filter(pk__in=ChangeIdea.objects.visible_to(viewer).values("pk"))
        .select_related("project")
        .prefetch_related("project__organisations")
        .annotate(cycle_count=per_row(Cycle.objects.all(), "idea"))
        .order_by("created_at", "pk")
    )
    grouped: dict[str, list[Place]] = defaultdict(list)
    organisations: set[int] = set()
    regions: set[str] = set()
    region_names = dict(Region.choices)
    for member_idea in family:
        project_organisations = list(member_idea.project.organisations.all())
        project_regions = sorted({organisation.region for organisation in project_organisations})
        organisations.update(organisation.pk for organisation in project_organisations)
        regions.update(project_regions)
        grouped[member_idea.project.level].append(
            Place(
                idea=member_idea,
                organisations=project_organisations,
                regions=[region_names.get(region, region) for region in project_regions],
                is_original=member_idea.pk == _root_id(idea),
                is_this=member_idea.pk == idea.pk,
            )
        )
    levels = [
        (label, grouped[level]) for level, label in Project.Level.choices if grouped.get(level)
    ]
    return Spread(levels, len(organisations), len(regions))


def adoption_targets(*, idea: ChangeIdea, viewer) -> QuerySet[Project]:
    """The projects the viewer may add this idea to: theirs to edit, not testing it yet."""
    return (
        Project.objects.editable_by(viewer)
        .exclude(pk__in=_family(idea).values("project_id"))
        .order_by("title", "pk")
    )


def idea_page(*, idea: ChangeIdea, viewer) -> dict:
    """What a change idea's page shows: its cycles as a ramp, where it has spread, and whether
    the viewer can take it into a project of theirs."""
    cycles = list(idea.cycles.order_by("number", "pk"))
    original = None
    if idea.adopted_from_id:
        original = (
            ChangeIdea.objects.visible_to(viewer)
            .select_related("project")
            .filter(pk=idea.adopted_from_id)
            .first()
        )
    return {
        "cycles": cycles,
        "spread": spread_of(idea=idea, viewer=viewer),
        "original": original,
        "can_adopt": viewer.is_authenticated
        and adoption_targets(idea=idea, viewer=viewer).exists(),
    }


def adoption_choices(*, idea: ChangeIdea, viewer) -> list[tuple[Project, list[Driver]]]:
    """Each project the viewer may add the idea to, with the drivers it could go under."""
    projects = adoption_targets(idea=idea, viewer=viewer).prefetch_related(
        Prefetch("drivers", queryset=Driver.objects.order_by("position", "pk"))
    )
    choices = []
    for project in projects:
        drivers = list(project.drivers.all())
        primaries = [driver for driver in drivers if driver.parent_id is None]
        ordered = []
        for primary in primaries:
            ordered.append(primary)
            ordered.extend(driver for driver in drivers if driver.parent_id == primary.pk)
        choices.append((project, ordered))
    return choices


def idea_adopt(
    *, idea: ChangeIdea, by: User, project_id: int, driver_id: int | None = None
) -> ChangeIdea:
    """We are testing this too: a copy of the idea in one of the member's projects, adopting
    the original idea (however many projects it passed through on the way)."""
    with transaction.atomic():
        project = Project.objects.editable_by(by).select_for_update().filter(pk=project_id).first()
        if project is None:
            raise NotFound
        if project.pk == idea.project_id:
            raise ProjectError("This idea is already part of that project.")
        if _family(idea).filter(project=project).exists():
            raise ProjectError(f"{project.title} is already testing this idea.")
        driver = _driver(project, driver_id)
        adopted = ChangeIdea.objects.create(
            project=project,
            driver=driver,
            title=idea.title,
            slug=_idea_slug(idea.title),
            description=idea.description,
            adopted_from_id=_root_id(idea),
            position=_next_position(project.ideas.filter(driver=driver)),
        )
        project_touch(project=project)
    return adopted
