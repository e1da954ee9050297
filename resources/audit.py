"""The curators' decisions that the audit log records."""

from django.db.models import TextChoices

from base.audit import register_actions


@register_actions
class Action(TextChoices):
    RESOURCE_CURATED = "resource_curated", "Resource decision"
