# The eBulletin moved here from resources; its rows stay, its tables are renamed.
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import base.fields

MOVED = ["bulletin", "bulletinsection", "delivery"]


def content_types_follow(apps, schema_editor):
    """Admin history and permissions point at the content types: move them rather than make
    new ones beside them."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not ContentType.objects.filter(app_label="bulletins", model=model).exists():
            ContentType.objects.filter(app_label="resources", model=model).update(
                app_label="bulletins"
            )


def content_types_return(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="resources", model__in=MOVED).exists():
        ContentType.objects.filter(app_label="bulletins", model__in=MOVED).update(
            app_label="resources"
        )


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("communities", "0002_founders_group"),
        ("events", "0002_confirmed_at_and_sequence"),
        # Every migration of resources that touched these models, or their rows, runs first.
        ("resources", "0006_resource_file_text_outcome"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Bulletin",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("title", base.fields.SingleLineCharField(max_length=200)),
                        ("slug", models.SlugField(max_length=200, unique=True)),
                        ("introduction", models.TextField(blank=True, help_text="You can use Markdown.", max_length=5000)),
                        ("status", models.CharField(choices=[("draft", "Draft"), ("scheduled", "Scheduled"), ("sending", "Sending"), ("sent", "Sent")], default="draft", max_length=16)),
                        ("scheduled_for", models.DateTimeField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("sent_at", models.DateTimeField(blank=True, null=True)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        ("frozen", models.JSONField(blank=True, editable=False, null=True)),
                        ("created_by", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "ordering": ["-sent_at", "-created_at"],
                        "indexes": [models.Index(fields=["status", "-sent_at"], name="bulletin_archive")],
                        "db_table": "resources_bulletin",
                    },
                ),
                migrations.CreateModel(
                    name="BulletinSection",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("position", models.PositiveSmallIntegerField(default=1)),
                        ("heading", base.fields.SingleLineCharField(max_length=200)),
                        ("text", models.TextField(blank=True, help_text="You can use Markdown.", max_length=5000)),
                        ("members_only", models.BooleanField(default=False, help_text="Left out of the public archive. E-mails go to members, so they always have it.", verbose_name="for members only")),
                        ("bulletin", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="sections", to="bulletins.bulletin")),
                        ("communities", models.ManyToManyField(blank=True, related_name="+", to="communities.community")),
                        ("events", models.ManyToManyField(blank=True, related_name="+", to="events.event")),
                        ("resources", models.ManyToManyField(blank=True, related_name="+", to="resources.resource")),
                    ],
                    options={
                        "ordering": ["position", "id"],
                        "db_table": "resources_bulletinsection",
                    },
                ),
                migrations.CreateModel(
                    name="Delivery",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("status", models.CharField(choices=[("pending", "To be sent"), ("sending", "Being sent"), ("sent", "Sent"), ("failed", "Failed"), ("skipped", "Not sent (unsubscribed or left before it was sent)")], default="pending", max_length=16)),
                        ("queued_at", models.DateTimeField(blank=True, null=True)),
                        ("claim", models.UUIDField(blank=True, null=True)),
                        ("claimed_at", models.DateTimeField(blank=True, null=True)),
                        ("handed_over_at", models.DateTimeField(blank=True, null=True)),
                        ("in_doubt", models.BooleanField(default=False)),
                        ("sent_at", models.DateTimeField(blank=True, null=True)),
                        ("attempts", models.PositiveSmallIntegerField(default=0)),
                        ("error", models.CharField(blank=True, max_length=300)),
                        ("bulletin", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="deliveries", to="bulletins.bulletin")),
                        ("member", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="bulletin_deliveries", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "verbose_name_plural": "deliveries",
                        "indexes": [models.Index(fields=["bulletin", "status"], name="delivery_progress")],
                        "constraints": [models.UniqueConstraint(fields=("bulletin", "member"), name="one_delivery_each")],
                        "db_table": "resources_delivery",
                    },
                ),
            ],
            database_operations=[],
        ),
        # The tables take this app's names; the section's picks (its many-to-many tables) too.
        migrations.AlterModelTable(name="bulletin", table=None),
        migrations.AlterModelTable(name="bulletinsection", table=None),
        migrations.AlterModelTable(name="delivery", table=None),
        migrations.RunPython(content_types_follow, content_types_return),
    ]
