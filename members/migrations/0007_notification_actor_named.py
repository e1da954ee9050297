from django.db import migrations, models


def name_when_shown(apps, schema_editor):
    """Messages that begin with the name of whoever caused them keep only what follows, so the
    name is read when the message is shown: a rename or a closed account then reaches them."""
    Notification = apps.get_model("members", "Notification")
    named = (
        Notification.objects.filter(actor__isnull=False)
        .select_related("actor")
        .only("message", "actor__name")
    )
    batch = []
    for notification in named.iterator(chunk_size=2000):
        name = notification.actor.name
        if name and notification.message.startswith(f"{name} "):
            notification.message = notification.message[len(name) + 1 :]
            notification.actor_named = True
            batch.append(notification)
        if len(batch) >= 2000:
            Notification.objects.bulk_update(batch, ["message", "actor_named"])
            batch = []
    Notification.objects.bulk_update(batch, ["message", "actor_named"])


class Migration(migrations.Migration):
    dependencies = [("members", "0006_profile_region_index")]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="actor_named",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(name_when_shown, migrations.RunPython.noop),
    ]
