# The audit log moved here from the project package; its rows stay, its table is renamed.
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def content_type_follows(apps, schema_editor):
    """Admin history and permissions point at the content type: move it rather than make a
    new one beside it."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="base", model="auditentry").exists():
        ContentType.objects.filter(app_label="network", model="auditentry").update(
            app_label="base"
        )


def content_type_returns(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="base", model="auditentry").update(app_label="network")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("network", "0003_audit_log_names"),
        # That migration reads the log under its old name: the table is renamed after it.
        ("resources", "0004_resource_first_published_at"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AuditEntry",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("at", models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="when")),
                        ("action", models.CharField(db_index=True, max_length=32, verbose_name="decision")),
                        ("detail", models.CharField(help_text="Which role, community, thread or resource.", max_length=300)),
                        ("actor", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="who")),
                        ("member", models.ForeignKey(blank=True, help_text="The member whose role, request or post it was.", null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="about")),
                    ],
                    options={
                        "verbose_name": "audit log entry",
                        "verbose_name_plural": "audit log",
                        "ordering": ["-at", "-id"],
                        "db_table": "network_auditentry",
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="auditentry", table=None),
        migrations.RunPython(content_type_follows, content_type_returns),
    ]
