from django.db import migrations
from django.utils import timezone


def into_the_outbox(apps, schema_editor):
    """Invitations whose e-mail was still owed when the outbox came (their sweep went with it)
    are put in the outbox, whose sweep sends them."""
    Invitation = apps.get_model("communities", "Invitation")
    Email = apps.get_model("base", "Email")
    now = timezone.now()
    owed = Invitation.objects.filter(
        emailed_at__isnull=True, accepted_at__isnull=True, expires_at__gt=now
    )
    Email.objects.bulk_create(
        Email(
            kind="communities.invitation",
            about_id=invitation.pk,
            address=invitation.email,
            created_at=now,
            not_before=now,
        )
        for invitation in owed
    )
    owed.update(emailed_at=now)


class Migration(migrations.Migration):
    dependencies = [
        ("communities", "0004_single_line_text"),
        ("base", "0002_outbox"),
    ]

    operations = [migrations.RunPython(into_the_outbox, migrations.RunPython.noop)]
