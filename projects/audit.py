"""The project leads' decisions that the audit log records."""

from django.db.models import TextChoices

from base.audit import register_actions


@register_actions
class Action(TextChoices):
    TEAM_MEMBER_ADDED = "project_team_added", "Added to a project team"
    TEAM_ROLE_CHANGED = "project_team_role", "Project team role changed"
    TEAM_MEMBER_REMOVED = "project_team_removed", "Removed from a project team"
    VISIBILITY_CHANGED = "project_visibility", "Project visibility changed"
