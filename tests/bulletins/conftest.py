import pytest
from django.utils.text import slugify

from bulletins.models import Bulletin, BulletinSection, Delivery
from bulletins.tasks import send_bulletin_batch
from members.services import profile_for
from tooling.smtp_sink import SmtpSink


def make_bulletin(title="eBulletin: December 2026", *, author=None, **fields) -> Bulletin:
    bulletin = Bulletin.objects.create(
        title=title,
        slug=fields.pop("slug", slugify(title)),
        introduction=fields.pop("introduction", "Welcome to this month's bulletin."),
        created_by=author,
        **fields,
    )
    return bulletin


def add_section(bulletin, heading="New in the library", *, resources=(), **fields):
    section = BulletinSection.objects.create(
        bulletin=bulletin, heading=heading, position=fields.pop("position", 1), **fields
    )
    section.resources.set(resources)
    return section


def subscribe(*members):
    for person in members:
        profile = profile_for(person)
        profile.receives_bulletin = True
        profile.save(update_fields=["receives_bulletin"])
    return members


def send_all(bulletin: Bulletin) -> None:
    """What the workers do with a sent bulletin: every pending delivery, in batches."""
    pending = list(
        Delivery.objects.filter(bulletin=bulletin, status=Delivery.Status.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(pending), 2):
        send_bulletin_batch(bulletin.pk, pending[start : start + 2])


@pytest.fixture
def smtp_sink(settings):
    """A real SMTP server, and the settings that send this process's e-mail to it."""
    with SmtpSink() as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = sink.port
        yield sink.mailbox
