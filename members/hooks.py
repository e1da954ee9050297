"""How other apps add to a member's pages and data without members importing them.

Each app registers its contributions in its AppConfig.ready():

    hooks.register_home_panel("communities/home_panel.html", my_communities_context)
    hooks.register_profile_panel("events/profile_panel.html", events_for_profile)
    hooks.register_export("communities", export_my_communities)
    hooks.register_eraser(erase_my_community_data)
    hooks.register_renamer(follow_the_new_name)
    hooks.register_page_panel(Community, "projects/_helped_by.html", projects_it_helped)

A panel's context function takes (member, viewer) for profile panels or (member,) for home panels
and returns a dict for its template, or None to show nothing.

A page panel goes on the page of one thing of a lower app (a community, an event, a resource, a
mentoring relationship) that an app above it knows about: its context function takes (thing,
viewer), and the lower app's view asks `page_panels(thing, viewer)` without knowing who answers.
"""

from collections.abc import Callable

_home_panels: list[tuple[str, Callable]] = []
_profile_panels: list[tuple[str, Callable]] = []
_exports: list[tuple[str, Callable]] = []
_erasers: list[Callable] = []
_renamers: list[Callable] = []
_page_panels: dict[type, list[tuple[str, Callable]]] = {}


def register_home_panel(template: str, context: Callable) -> None:
    _home_panels.append((template, context))


def register_profile_panel(template: str, context: Callable, *, shows_events: bool = False) -> None:
    """shows_events: the panel lists events the member attends; it is left out when the member
    chose not to show them (Profile.show_events), so no app has to remember to check."""
    _profile_panels.append((template, context, shows_events))


def register_export(section: str, contribute: Callable) -> None:
    _exports.append((section, contribute))


def register_eraser(erase: Callable) -> None:
    _erasers.append(erase)


def register_renamer(renamed: Callable) -> None:
    """renamed(member, old_slug) runs when a member's name, and so their address, changes:
    what others wrote about them by the old one must follow, or it would keep the old name."""
    _renamers.append(renamed)


def register_page_panel(model: type, template: str, context: Callable) -> None:
    _page_panels.setdefault(model, []).append((template, context))


def home_panels(member) -> list[tuple[str, dict]]:
    panels = ((template, context(member)) for template, context in _home_panels)
    return [(template, panel) for template, panel in panels if panel is not None]


def profile_panels(member, viewer, *, show_events: bool = True) -> list[tuple[str, dict]]:
    panels = (
        (template, context(member, viewer))
        for template, context, shows_events in _profile_panels
        if show_events or not shows_events or viewer.pk == member.pk
    )
    return [(template, panel) for template, panel in panels if panel is not None]


def page_panels(thing, viewer) -> list[tuple[str, dict]]:
    """The panels registered for the page of `thing`, each as its viewer may see it."""
    registered = _page_panels.get(thing._meta.concrete_model, [])
    panels = ((template, context(thing, viewer)) for template, context in registered)
    return [(template, panel) for template, panel in panels if panel is not None]


def export_sections() -> list[tuple[str, Callable]]:
    return list(_exports)


def erasers() -> list[Callable]:
    return list(_erasers)


def renamers() -> list[Callable]:
    return list(_renamers)
