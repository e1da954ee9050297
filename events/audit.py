"""The decisions about events that the audit log records."""

from django.db.models import TextChoices

from base.audit import register_actions


@register_actions
class Action(TextChoices):
    EVENT_CANCELLED = "event_cancelled", "Event cancelled"
