from django.contrib import admin, messages

from base import outbox
from base.audit import action_choices, action_label
from base.models import AuditEntry, Email


class DecisionFilter(admin.SimpleListFilter):
    """The decisions in words, as the apps that take them name them."""

    title = "decision"
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return action_choices()

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records nobody edits: what happened stays as it happened."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """Read only: a log that an admin could edit would prove nothing."""

    list_display = ["at", "actor", "decision", "member", "detail"]
    list_filter = [DecisionFilter, "at"]
    search_fields = ["detail", "actor__name", "actor__email", "member__name", "member__email"]
    list_select_related = ["actor", "member"]
    date_hierarchy = "at"
    fields = ["at", "actor", "action", "member", "detail"]
    readonly_fields = fields

    @admin.display(description="decision", ordering="action")
    def decision(self, entry: AuditEntry) -> str:
        return action_label(entry.action)


class KindFilter(admin.SimpleListFilter):
    """The registered kinds, rather than a scan of the whole outbox for the kinds in it."""

    title = "kind"
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [(kind, kind) for kind in outbox.kinds()]

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(Email)
class EmailAdmin(ReadOnlyAdmin):
    """The outbox: every e-mail the site sends but the account ones, and how far each got.

    Read only. Failed e-mails, and those in doubt (the mail server broke off while taking them:
    they may have arrived), can be sent again: the copy carries the same Message-ID.
    """

    list_display = ["kind", "who", "status", "attempts", "created_at", "sent_at", "error"]
    list_filter = ["status", KindFilter]
    list_select_related = ["recipient"]
    search_fields = ["kind", "recipient__email", "address"]
    date_hierarchy = "created_at"
    actions = ["send_again"]
    fields = [
        "kind",
        "about_id",
        "context",
        "recipient",
        "address",
        "status",
        "attempts",
        "error",
        "created_at",
        "not_before",
        "claimed_at",
        "handed_over_at",
        "sent_at",
    ]
    readonly_fields = fields

    @admin.display(description="to")
    def who(self, email: Email) -> str:
        if email.address:
            return email.address
        return str(email.recipient) if email.recipient_id else "(account closed)"

    @admin.action(description="Send again (failed or in doubt)", permissions=["resend"])
    def send_again(self, request, queryset):
        sent_again = outbox.retry(queryset)
        self.message_user(
            request,
            f"{sent_again} e-mail(s) queued to be sent again."
            if sent_again
            else "Only failed or in-doubt e-mails can be sent again.",
            messages.SUCCESS if sent_again else messages.WARNING,
        )

    def has_resend_permission(self, request) -> bool:
        return request.user.has_perm("base.change_email")
