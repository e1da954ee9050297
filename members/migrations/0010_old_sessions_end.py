from django.db import migrations


def end_old_sessions(apps, schema_editor):
    """Sessions now live in members_membersession, which knows each one's member. The old rows
    hold member ids and sign-in state that closing an account could no longer reach: they go,
    and everyone signs in once more."""
    apps.get_model("sessions", "Session").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("members", "0009_single_line_text"), ("sessions", "0001_initial")]

    operations = [migrations.RunPython(end_old_sessions, migrations.RunPython.noop)]
