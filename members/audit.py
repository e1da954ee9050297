"""The decisions about members' powers that the audit log records."""

from django.db.models import TextChoices

from base.audit import audit_record, register_actions
from members.models import User


@register_actions
class Action(TextChoices):
    ROLE_GRANTED = "role_granted", "Role granted"
    ROLE_REMOVED = "role_removed", "Role removed"
    ORGANISATION_ACCOUNT_CONNECTED = (
        "org_account_connected",
        "Organisation account connected",
    )
    ORGANISATION_ACCOUNT_DISCONNECTED = (
        "org_account_disconnected",
        "Organisation account disconnected",
    )
    ORGANISATION_SIGN_IN_ADDED = "org_sign_in_added", "Organisation sign-in added"
    ORGANISATION_SIGN_IN_CHANGED = "org_sign_in_changed", "Organisation sign-in changed"
    ORGANISATION_SIGN_IN_REMOVED = "org_sign_in_removed", "Organisation sign-in removed"
    # A lost or replaced phone: an admin removes the member's second factor.
    SECOND_FACTOR_RESET = "second_factor_reset", "Second factor reset"


def roles_of(member: User) -> set[str]:
    """What the member may do beyond being a member, read from the database as it is now."""
    fresh = User.objects.filter(pk=member.pk).values("is_staff", "is_superuser").first() or {}
    roles = set(member.groups.values_list("name", flat=True))
    if fresh.get("is_staff"):
        roles.add("Admin site access")
    if fresh.get("is_superuser"):
        roles.add("Superuser")
    return roles


def role_changes_record(*, actor: User, member: User, before: set[str], after: set[str]) -> None:
    for role in sorted(after - before):
        audit_record(actor=actor, action=Action.ROLE_GRANTED, member=member, detail=role)
    for role in sorted(before - after):
        audit_record(actor=actor, action=Action.ROLE_REMOVED, member=member, detail=role)
