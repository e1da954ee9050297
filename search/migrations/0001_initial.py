# The words search corrects slips to moved here from the project package; the table is renamed.
import django.contrib.postgres.indexes
from django.db import migrations, models


def content_type_follows(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="search", model="searchword").exists():
        ContentType.objects.filter(app_label="network", model="searchword").update(
            app_label="search"
        )


def content_type_returns(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="search", model="searchword").update(app_label="network")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("network", "0003_audit_log_names"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="SearchWord",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("word", models.CharField(max_length=60, unique=True)),
                        ("audience", models.CharField(choices=[("public", "Everyone"), ("members", "Signed-in members")], max_length=16)),
                    ],
                    options={
                        "indexes": [django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.indexes.OpClass("word", name="gin_trgm_ops"), name="search_word_trigram")],
                        "db_table": "network_searchword",
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="searchword", table=None),
        migrations.RunPython(content_type_follows, content_type_returns),
    ]
