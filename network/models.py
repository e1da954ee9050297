from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models


class SearchWord(models.Model):
    """A word the network's searchable text uses, so that a slip ("dementai") can be corrected
    to it ("dementia"). Rebuilt by network.search.words_refresh() from what may be searched:
    public words for everyone, members' words for members, nothing from a secret community."""

    class Audience(models.TextChoices):
        PUBLIC = "public", "Everyone"
        MEMBERS = "members", "Signed-in members"

    word = models.CharField(max_length=60, unique=True)
    audience = models.CharField(max_length=16, choices=Audience.choices)

    class Meta:
        indexes = [GinIndex(OpClass("word", name="gin_trgm_ops"), name="search_word_trigram")]

    def __str__(self):
        return self.word


class AuditEntry(models.Model):
    """One change to a member's powers, or one decision a moderator or curator took, so that an
    admin can later answer "who did this, and when". Written by network.audit, never edited."""

    class Action(models.TextChoices):
        ROLE_GRANTED = "role_granted", "Role granted"
        ROLE_REMOVED = "role_removed", "Role removed"
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
        RESOURCE_CURATED = "resource_curated", "Resource decision"

    at = models.DateTimeField("when", auto_now_add=True, db_index=True)
    # Names are read through the accounts, so that an erased member's name leaves the log too.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="who",
    )
    action = models.CharField("decision", max_length=32, choices=Action.choices, db_index=True)
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="about",
        help_text="The member whose role, request or post it was.",
    )
    detail = models.CharField(
        max_length=300, help_text="Which role, community, thread or resource."
    )

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "audit log entry"
        verbose_name_plural = "audit log"

    def __str__(self):
        return f"{self.get_action_display()}: {self.detail}"
