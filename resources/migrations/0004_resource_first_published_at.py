from django.db import migrations, models
from django.db.models import F


def mark_published_once(apps, schema_editor):
    """What is in the library now was published. An archived resource was, if it has a
    publication date (publishing always sets one) and, for a member's suggestion, the audit log
    shows a curator published it: members may type a date into a suggestion themselves, and a
    suggestion turned down must stay with its suggester and the curators. A suggestion archived
    before the audit log began, with a date of its own, is treated as turned down; a curator can
    publish it again."""
    Resource = apps.get_model("resources", "Resource")
    AuditEntry = apps.get_model("network", "AuditEntry")
    Resource.objects.filter(status="published").update(first_published_at=F("created_at"))
    Resource.objects.filter(
        status="archived", suggested_at__isnull=True, published_on__isnull=False
    ).update(first_published_at=F("created_at"))
    archived_suggestions = Resource.objects.filter(
        status="archived", suggested_at__isnull=False, published_on__isnull=False
    )
    for resource in archived_suggestions.iterator():
        if AuditEntry.objects.filter(
            action="resource_curated",
            member_id=resource.contributor_id,
            detail=f"Published: {resource.title}"[:300],
        ).exists():
            Resource.objects.filter(pk=resource.pk).update(first_published_at=resource.created_at)


class Migration(migrations.Migration):
    dependencies = [("resources", "0003_featured_index"), ("network", "0003_audit_log_names")]

    operations = [
        migrations.AddField(
            model_name="resource",
            name="first_published_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(mark_published_once, migrations.RunPython.noop),
    ]
