"""/events/series/… now holds the series: an event whose address was /events/series/ would lose
its own pages (edit, attendees, register…) to them, so it moves to the first free "series-N"."""

from django.db import migrations


def move_event_called_series(apps, schema_editor):
    Event = apps.get_model("events", "Event")
    event = Event.objects.filter(slug="series").first()
    if event is None:
        return
    number = 2
    while Event.objects.filter(slug=f"series-{number}").exists():
        number += 1
    event.slug = f"series-{number}"
    event.save(update_fields=["slug"])


class Migration(migrations.Migration):
    dependencies = [("events", "0008_registration_questions")]

    operations = [migrations.RunPython(move_event_called_series, migrations.RunPython.noop)]
