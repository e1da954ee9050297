"""The network's roles beyond member: groups an admin grants in the Django admin.

Staff roles (admin, coordinator, curator) count only once the member has shown a second factor
in the session they are signed in with (members.second_factor). Until then they are a member
like any other: `SecondFactorMiddleware` ties the signed-in member's roles to that answer, so
every check below, and every `visible_to` built on them, withholds the role.
"""

from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q

from members.models import User

COORDINATORS = "Coordinators"
CURATORS = "Curators"
STAFF_GROUPS = frozenset({COORDINATORS, CURATORS})


def _group_names(user: User) -> frozenset[str]:
    """The names of the user's groups, read once per request object."""
    if not hasattr(user, "_network_role_names"):
        user._network_role_names = frozenset(user.groups.values_list("name", flat=True))
    return user._network_role_names


def holds_staff_role(user: User | AnonymousUser) -> bool:
    """An admin, coordinator or curator, whether or not they have shown a second factor."""
    if not (user.is_authenticated and user.is_active):
        return False
    return user.is_staff or user.is_superuser or bool(_group_names(user) & STAFF_GROUPS)


def roles_wait_for(user: User, second_factor_shown: Callable[[], bool]) -> User:
    """Ties the user's staff roles to `second_factor_shown`, asked at most once, and only
    when a role is about to count."""
    user._network_second_factor_shown = second_factor_shown
    return user


def _withheld(user) -> bool:
    shown = getattr(user, "_network_second_factor_shown", None)
    if shown is None:
        # A member read outside a request (a task, an e-mail, a test): their roles as granted.
        return False
    if not hasattr(user, "_network_roles_withheld"):
        user._network_roles_withheld = not shown()
    return user._network_roles_withheld


def roles_withheld(user: User | AnonymousUser) -> frozenset[str]:
    """The staff roles that do not count for the user now, whether or not they hold them;
    for reading roles in SQL (`role_names` reads them in Python)."""
    if user.is_authenticated and _withheld(user):
        return STAFF_GROUPS
    return frozenset()


def role_names(user: User | AnonymousUser) -> frozenset[str]:
    """The names of the user's groups, staff roles left out while they wait for a second
    factor."""
    if not user.is_authenticated:
        return frozenset()
    names = _group_names(user)
    if names & STAFF_GROUPS and _withheld(user):
        return names - STAFF_GROUPS
    return names


def is_admin(user: User | AnonymousUser) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and (user.is_staff or user.is_superuser)
        and not _withheld(user)
    )


def is_coordinator(user: User | AnonymousUser) -> bool:
    return is_admin(user) or COORDINATORS in role_names(user)


def is_curator(user: User | AnonymousUser) -> bool:
    return is_admin(user) or CURATORS in role_names(user)


def own(field: str, viewer) -> Q:
    """The rows that are the viewer's own by `field` (an author, a contributor, a mentee): none
    for a visitor or ANY_MEMBER, who own nothing. Filtering by their id would match the rows
    whose owner is unknown (NULL)."""
    if viewer.pk is None:
        return Q(pk__in=[])
    return Q(**{field: viewer.pk})


class _AnyMember:
    """Any signed-in member who holds no role and belongs to no community.

    Whatever the one visibility model (each model's `objects.visible_to(viewer)`) lets it see,
    every member may see. The eBulletin (sent to all members), the network's own figures and
    its list of known words show only that.
    """

    pk = id = None
    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    erased_at = None
    _network_role_names = frozenset()

    def __repr__(self):
        return "<any member>"


ANY_MEMBER = _AnyMember()
