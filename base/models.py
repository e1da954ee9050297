from django.conf import settings
from django.db import models
from django.utils import timezone


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


class Email(models.Model):
    """One e-mail in the outbox (base.outbox): what it is about, who it is for and how far it got.

    The app that asks for it names a renderer (`kind`) and the row it concerns (`about_id`); the
    message is built when it is sent, from what the site holds then. `context` holds small
    parameters the renderer needs (a window of posts, the moment a reminder was claimed), never
    personal content: closing an account clears `recipient` and `address` and nothing of the
    person stays here.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        IN_DOUBT = "in_doubt", "In doubt (may have arrived)"
        SKIPPED = "skipped", "Not sent (no longer wanted)"

    kind = models.CharField(max_length=64)
    about_id = models.BigIntegerField(null=True, blank=True)
    context = models.JSONField(default=dict, blank=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # For e-mails to an address without an account (an invitation); else the member's own.
    address = models.EmailField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    not_before = models.DateTimeField("may be tried from", default=timezone.now)
    claim = models.UUIDField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    handed_over_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "e-mail"
        verbose_name_plural = "outbox"
        indexes = [
            models.Index(fields=["status", "not_before"], name="email_sweep"),
            models.Index(fields=["kind", "about_id"], name="email_about"),
        ]

    def __str__(self):
        return f"{self.kind} #{self.pk}"
