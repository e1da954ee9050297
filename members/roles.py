"""The network's roles beyond member: groups an admin grants in the Django admin."""

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q

from members.models import User

COORDINATORS = "Coordinators"
CURATORS = "Curators"


def role_names(user: User | AnonymousUser) -> frozenset[str]:
    """The names of the user's groups, read once per request object."""
    if not user.is_authenticated:
        return frozenset()
    if not hasattr(user, "_network_role_names"):
        user._network_role_names = frozenset(user.groups.values_list("name", flat=True))
    return user._network_role_names


def is_admin(user: User | AnonymousUser) -> bool:
    return user.is_authenticated and user.is_active and (user.is_staff or user.is_superuser)


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
