from django.db import migrations


def create_founders(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name="Community founders")


def remove_founders(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Community founders").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("communities", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_founders, remove_founders)]
