"""The audit log: who granted or removed a role, and what moderators and curators decided."""

from members.models import User
from network.models import AuditEntry

Action = AuditEntry.Action


def audit_record(
    *, actor: User | None, action: str, detail: str, member: User | None = None
) -> AuditEntry:
    return AuditEntry.objects.create(actor=actor, action=action, member=member, detail=detail[:300])


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
