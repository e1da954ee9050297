from django.db import migrations


def into_the_outbox(apps, schema_editor):
    """Notification e-mails still owed when the outbox came are put in it: its sweep sends them."""
    Notification = apps.get_model("members", "Notification")
    Email = apps.get_model("base", "Email")
    owed = Notification.objects.filter(email_status__in=["pending", "sending"]).values_list(
        "pk", "recipient_id", "created_at"
    )
    Email.objects.bulk_create(
        (
            Email(
                kind="members.notification",
                about_id=pk,
                recipient_id=recipient_id,
                created_at=created_at,
                not_before=created_at,
            )
            for pk, recipient_id, created_at in owed.iterator()
        ),
        batch_size=1000,
    )


def out_of_the_outbox(apps, schema_editor):
    """Undone: the notifications' own e-mail state comes back as sent, but for those the outbox
    still had to send, so that the old sweep does not e-mail every past notification again."""
    Notification = apps.get_model("members", "Notification")
    Email = apps.get_model("base", "Email")
    Notification.objects.update(email_status="sent")
    owed = Email.objects.filter(
        kind="members.notification", status__in=["queued", "sending"]
    ).values("about_id")
    Notification.objects.filter(pk__in=owed).update(email_status="pending")


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0010_old_sessions_end"),
        ("base", "0002_outbox"),
    ]

    operations = [
        migrations.RunPython(into_the_outbox, out_of_the_outbox),
        migrations.RemoveIndex(
            model_name="notification",
            name="notification_email_sweep",
        ),
        migrations.RemoveField(
            model_name="notification",
            name="email_attempts",
        ),
        migrations.RemoveField(
            model_name="notification",
            name="email_claimed_at",
        ),
        migrations.RemoveField(
            model_name="notification",
            name="email_status",
        ),
    ]
