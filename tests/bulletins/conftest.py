import pytest
from django.utils.text import slugify

from base import outbox
from base.models import Email
from bulletins.delivery import copies_of
from bulletins.models import Bulletin, BulletinSection
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
    """What the workers do with a sent bulletin: every copy waiting in the outbox, in batches."""
    queued = list(
        copies_of(bulletin.pk)
        .filter(status=Email.Status.QUEUED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(queued), 2):
        outbox.send(queued[start : start + 2])


def copies(bulletin: Bulletin | None = None):
    """The members' copies of the bulletin (of every bulletin if None) in the outbox."""
    return copies_of(bulletin.pk) if bulletin else Email.objects.filter(kind="bulletins.bulletin")


def unfinished(bulletin: Bulletin) -> int:
    return copies(bulletin).filter(status__in=[Email.Status.QUEUED, Email.Status.SENDING]).count()


@pytest.fixture
def smtp_sink(settings):
    """A real SMTP server, and the settings that send this process's e-mail to it."""
    with SmtpSink() as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = sink.port
        yield sink.mailbox
