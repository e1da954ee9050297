"""The decisions of coordinators and moderators that the audit log records."""

from django.db.models import TextChoices

from base.audit import register_actions


@register_actions
class Action(TextChoices):
    MODERATOR_APPOINTED = "moderator_appointed", "Moderator appointed"
    MODERATOR_REMOVED = "moderator_removed", "Moderator role removed"
    JOIN_APPROVED = "join_approved", "Request to join approved"
    JOIN_REFUSED = "join_refused", "Request to join refused"
    THREAD_PINNED = "thread_pinned", "Thread pinned"
    THREAD_UNPINNED = "thread_unpinned", "Thread unpinned"
    THREAD_LOCKED = "thread_locked", "Thread locked"
    THREAD_UNLOCKED = "thread_unlocked", "Thread unlocked"
    POST_HIDDEN = "post_hidden", "Post hidden"
    POST_REMOVED = "post_removed", "Post removed"
    POST_RESTORED = "post_restored", "Post shown again"
    REPORT_DISMISSED = "report_dismissed", "Report dismissed"
