from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    """One change to a member's powers, or one decision a moderator or curator took, so that an
    admin can later answer "who did this, and when". Written by base.audit, never edited. The
    decisions are named by the apps that take them (their audit.py), not here."""

    at = models.DateTimeField("when", auto_now_add=True, db_index=True)
    # Names are read through the accounts, so that an erased member's name leaves the log too.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="who",
    )
    action = models.CharField("decision", max_length=32, db_index=True)
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
        return f"{self.action}: {self.detail}"
