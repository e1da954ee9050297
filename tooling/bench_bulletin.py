"""Send a bulletin to many members through Celery workers to a local SMTP sink, and compare the
rate with a plain smtplib loop on the same machine (the limit of the sink and the loopback).

Run it against a scratch database: it adds fictional members (bench-…@example.org).

    DATABASE_URL=postgres://…/network_bench python manage.py migrate
    DATABASE_URL=postgres://…/network_bench python manage.py bench_bulletin --members 20000
"""

import collections
import smtplib
import time
from email.message import EmailMessage

from allauth.account.models import EmailAddress
from django.conf import settings

from base.models import Email
from bulletins import services
from bulletins.delivery import WAITING, copies_of
from bulletins.models import Bulletin, BulletinSection
from members.models import Profile, User
from resources.models import Resource
from tooling.smtp_sink import SmtpSink
from tooling.worker_process import start_worker, stop_worker

BENCH_DOMAIN = "bench.example.org"


def run(members: int, concurrency: int) -> dict:
    """Send one bulletin to `members` fictional members through Celery, then the same number of
    messages in a plain smtplib loop; both into the same local SMTP server."""
    recipients = prepare_members(members)
    with SmtpSink() as sink:
        worker = start_worker(
            pool="prefork",
            concurrency=concurrency,
            EMAIL_BACKEND="smtp",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(sink.port),
        )
        try:
            time.sleep(3)  # the workers connect to the broker
            celery_rate, delivered = send_through_celery(sink, recipients)
        finally:
            stop_worker(worker)
        counts = collections.Counter(sink.mailbox.recipients())
        duplicates = sum(1 for count in counts.values() if count > 1)
        sink.mailbox.clear()
        plain_rate = plain_smtplib_loop(sink, recipients)
    return {
        "members": len(recipients),
        "celery_rate": celery_rate,
        "plain_rate": plain_rate,
        "delivered": delivered,
        "duplicates": duplicates,
    }


def send_through_celery(sink, recipients) -> tuple[float, int]:
    resource = Resource.objects.filter(status=Resource.Status.PUBLISHED).first()
    bulletin = Bulletin.objects.create(
        title="Benchmark bulletin",
        slug=f"benchmark-{int(time.time())}",
        introduction="A bulletin of the usual length, to time the sending.",
    )
    section = BulletinSection.objects.create(
        bulletin=bulletin, heading="New in the library", text="Try these."
    )
    if resource:
        section.resources.set([resource])
    started = time.perf_counter()
    total = services.bulletin_send(bulletin=bulletin)
    while copies_of(bulletin.pk).filter(status__in=WAITING).exists():
        time.sleep(0.2)
    elapsed = time.perf_counter() - started
    sent = copies_of(bulletin.pk).filter(status=Email.Status.SENT).count()
    copies_of(bulletin.pk).delete()
    bulletin.delete()
    return sent / elapsed, min(sent, total)


def prepare_members(count: int) -> list[tuple[str, str]]:
    """Subscribed members: the database's own when it has enough (the large network of
    seed_scale), else fictional ones made in bulk; everyone else stops receiving for the run."""
    people = User.objects.filter(profile__isnull=False, is_active=True, erased_at__isnull=True)
    if people.count() >= count:
        Profile.objects.update(receives_bulletin=False)
        chosen = people.order_by("pk")[:count]
        Profile.objects.filter(member__in=chosen.values("pk")).update(receives_bulletin=True)
        return list(chosen.values_list("email", "name"))
    existing = User.objects.filter(email__endswith=f"@{BENCH_DOMAIN}").count()
    if existing < count:
        users = User.objects.bulk_create(
            User(email=f"bench-{number}@{BENCH_DOMAIN}", name=f"Bench Member {number}")
            for number in range(existing, count)
        )
        EmailAddress.objects.bulk_create(
            EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in users
        )
        Profile.objects.bulk_create(
            Profile(member=user, slug=f"bench-member-{user.pk}", bulletin_token=f"bench-{user.pk}")
            for user in users
        )
    Profile.objects.update(receives_bulletin=False)
    chosen = User.objects.filter(email__endswith=f"@{BENCH_DOMAIN}").order_by("pk")[:count]
    Profile.objects.filter(member__in=chosen.values("pk")).update(receives_bulletin=True)
    return list(chosen.values_list("email", "name"))


def plain_smtplib_loop(sink, recipients) -> float:
    """The same number of two-part messages, built and sent in one loop over one connection."""
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", sink.port) as smtp:
        for email, name in recipients:
            message = EmailMessage()
            message["Subject"] = "Benchmark bulletin"
            message["From"] = settings.DEFAULT_FROM_EMAIL
            message["To"] = email
            message.set_content(f"Dear {name},\n\nA bulletin of the usual length.")
            message.add_alternative(
                f"<p>Dear {name},</p><p>A bulletin of the usual length.</p>", subtype="html"
            )
            smtp.send_message(message)
    return len(recipients) / (time.perf_counter() - started)
