from urllib.parse import urlencode

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from bulletins.delivery import BULLETIN_EMAIL, copies_of
from bulletins.models import Bulletin, BulletinSection


class SectionInline(admin.StackedInline):
    model = BulletinSection
    extra = 0
    filter_horizontal = ["resources", "events", "communities"]


@admin.register(Bulletin)
class BulletinAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "scheduled_for", "sent_at"]
    list_filter = ["status"]
    search_fields = ["title"]
    inlines = [SectionInline]
    readonly_fields = ["sent_at", "finished_at", "copies"]

    @admin.display(description="e-mails")
    def copies(self, bulletin: Bulletin) -> str:
        """Each member's copy is an e-mail in the outbox, with how far it got."""
        if bulletin.pk is None or bulletin.frozen is None:
            return self.get_empty_value_display()
        link = (
            reverse("admin:base_email_changelist")
            + "?"
            + urlencode({"kind": BULLETIN_EMAIL, "about_id": bulletin.pk})
        )
        count = copies_of(bulletin.pk).count()
        return format_html('<a href="{}">{} in the outbox</a>', link, count)
