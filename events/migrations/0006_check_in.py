import secrets

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import events.models


def give_codes(apps, schema_editor):
    """Each place already taken gets a code of its own (a default would give them all one)."""
    Registration = apps.get_model("events", "Registration")
    places = list(Registration.objects.filter(check_in_code__isnull=True).only("pk"))
    for place in places:
        place.check_in_code = secrets.token_urlsafe(16)
    Registration.objects.bulk_update(places, ["check_in_code"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0005_event_cancellation"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="registration",
            name="check_in_code",
            field=models.CharField(max_length=64, null=True),
        ),
        migrations.RunPython(give_codes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="registration",
            name="check_in_code",
            field=models.CharField(
                default=events.models.check_in_code, max_length=64, unique=True
            ),
        ),
        migrations.AddField(
            model_name="registration",
            name="checked_in_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="registration",
            name="checked_in_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]
