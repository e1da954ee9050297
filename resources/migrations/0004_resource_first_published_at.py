from django.db import migrations, models
from django.db.models import F
from django.db.models.functions import Coalesce


def mark_published_once(apps, schema_editor):
    """What is in the library now was published; so was what a curator added and archived.
    A member's suggestion that is archived cannot be told apart from one turned down: it is
    treated as turned down (visible to curators and its contributor), which a curator can undo
    by publishing it again."""
    Resource = apps.get_model("resources", "Resource")
    Resource.objects.filter(status="published").update(first_published_at=F("created_at"))
    Resource.objects.filter(status="archived", suggested_at__isnull=True).update(
        first_published_at=Coalesce(F("updated_at"), F("created_at"))
    )


class Migration(migrations.Migration):
    dependencies = [("resources", "0003_featured_index")]

    operations = [
        migrations.AddField(
            model_name="resource",
            name="first_published_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(mark_published_once, migrations.RunPython.noop),
    ]
