import hashlib
import json

from django.db import migrations, models


def _fingerprint(bulletin) -> str:
    # As bulletins.audiences.fingerprint was when this was written.
    audience = [
        sorted(bulletin.audience_regions),
        sorted(bulletin.audience_organisation_kinds),
        sorted(bulletin.audience_sectors),
        sorted(bulletin.audience_communities.values_list("pk", flat=True)),
        sorted(bulletin.audience_interests.values_list("pk", flat=True)),
    ]
    return hashlib.sha256(json.dumps(audience).encode()).hexdigest()


def record_audiences(apps, schema_editor):
    """Bulletins already sent went to everyone unless an audience was chosen (as it stands:
    every one before audiences existed went to everyone); those scheduled go to the audience
    they have now, as if it had been confirmed."""
    Bulletin = apps.get_model("bulletins", "Bulletin")
    for bulletin in Bulletin.objects.exclude(frozen=None):
        bulletin.sent_to_everyone = not (
            bulletin.audience_regions
            or bulletin.audience_organisation_kinds
            or bulletin.audience_sectors
            or bulletin.audience_communities.exists()
            or bulletin.audience_interests.exists()
        )
        bulletin.save(update_fields=["sent_to_everyone"])
    for bulletin in Bulletin.objects.filter(status="scheduled"):
        bulletin.confirmed_audience = _fingerprint(bulletin)
        bulletin.save(update_fields=["confirmed_audience"])


class Migration(migrations.Migration):
    dependencies = [
        ("bulletins", "0003_audiences"),
    ]

    operations = [
        migrations.AddField(
            model_name="bulletin",
            name="sent_to_everyone",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.AddField(
            model_name="bulletin",
            name="confirmed_audience",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.RunPython(record_audiences, migrations.RunPython.noop),
    ]
