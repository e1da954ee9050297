# Each member's copy of a bulletin becomes an e-mail in the outbox; the deliveries go.
from django.db import migrations
from django.utils import timezone

BULLETIN_EMAIL = "bulletins.bulletin"
TEST_COPY_EMAIL = "bulletins.test_copy"
INTERRUPTED = "Interrupted while sending: it may have arrived."


def outbox_status(status: str, in_doubt: bool, handed_over_at) -> str:
    if status == "pending":
        return "queued"
    if status == "sending":
        # A worker had it when the site stopped: sent again only if it never reached the server.
        return "in_doubt" if handed_over_at else "queued"
    if status == "failed":
        return "in_doubt" if in_doubt else "failed"
    return status  # sent, skipped


def into_the_outbox(apps, schema_editor):
    """Every delivery becomes an outbox e-mail of its bulletin, for its member, as far as it got.
    Those still to send are sent by the outbox's sweep; those in doubt wait for a curator. As the
    outbox does when an account closes, a closed account's e-mails forget whom they were for,
    and any still to send are not sent."""
    Delivery = apps.get_model("bulletins", "Delivery")
    Email = apps.get_model("base", "Email")
    now = timezone.now()
    deliveries = Delivery.objects.order_by("pk").values_list(
        "bulletin_id",
        "member_id",
        "status",
        "in_doubt",
        "handed_over_at",
        "attempts",
        "error",
        "sent_at",
        "bulletin__sent_at",
        "member__erased_at",
    )
    emails = []
    for row in deliveries.iterator(chunk_size=2000):
        bulletin_id, member_id, status, in_doubt, handed_over_at, attempts, error, sent_at = row[:8]
        began, erased = row[8:]
        status = outbox_status(status, in_doubt, handed_over_at)
        if erased:
            member_id, error = None, ""
            status = "skipped" if status == "queued" else status
        # A delivery was made when its bulletin began to go out.
        created_at = began or now
        emails.append(
            Email(
                kind=BULLETIN_EMAIL,
                about_id=bulletin_id,
                recipient_id=member_id,
                status=status,
                attempts=attempts,
                error=error or (INTERRUPTED if status == "in_doubt" else ""),
                sent_at=sent_at if status == "sent" else None,
                created_at=created_at,
                not_before=created_at,
            )
        )
        if len(emails) == 1000:
            Email.objects.bulk_create(emails)
            emails = []
    Email.objects.bulk_create(emails)


def back_to_deliveries(apps, schema_editor):
    """The outbox's copies become deliveries again (those whose member and bulletin remain)."""
    Delivery = apps.get_model("bulletins", "Delivery")
    Bulletin = apps.get_model("bulletins", "Bulletin")
    Email = apps.get_model("base", "Email")
    copies = Email.objects.filter(
        kind=BULLETIN_EMAIL,
        recipient__isnull=False,
        about_id__in=Bulletin.objects.values("pk"),
    ).order_by("pk")
    Delivery.objects.bulk_create(
        (
            Delivery(
                bulletin_id=email.about_id,
                member_id=email.recipient_id,
                status={"queued": "pending", "in_doubt": "failed"}.get(email.status, email.status),
                in_doubt=email.status == "in_doubt",
                claim=email.claim,
                claimed_at=email.claimed_at,
                handed_over_at=email.handed_over_at,
                attempts=email.attempts,
                error=email.error,
                sent_at=email.sent_at,
            )
            for email in copies.iterator(chunk_size=2000)
        ),
        batch_size=1000,
        ignore_conflicts=True,
    )
    Email.objects.filter(kind__in=[BULLETIN_EMAIL, TEST_COPY_EMAIL]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("bulletins", "0001_initial"),
        ("base", "0002_outbox"),
    ]

    operations = [
        migrations.RunPython(into_the_outbox, back_to_deliveries),
        migrations.DeleteModel(name="Delivery"),
    ]
