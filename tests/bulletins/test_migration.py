"""The eBulletin moved from resources to its own app: every bulletin, section and pick made
before the move is there after it, under bulletins, and so are its admin history and permissions.
Each delivery, later, became an e-mail of the outbox, as far as it had got."""

import uuid
from datetime import timedelta

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from base.models import Email
from bulletins.audiences import fingerprint
from bulletins.models import Bulletin, BulletinSection
from communities.models import Community
from members.models import User
from tests.events.conftest import make_event
from tests.factories import MemberFactory
from tests.resources.conftest import make_resource

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# The schema as it was before the move: the bulletin lived in resources.
BEFORE_THE_MOVE = ("resources", "0006_resource_file_text_outcome")
MOVED = ["bulletin", "bulletinsection", "delivery"]
OLD_TABLES = {
    "resources_bulletin",
    "resources_bulletinsection",
    "resources_bulletinsection_resources",
    "resources_bulletinsection_events",
    "resources_bulletinsection_communities",
    "resources_delivery",
}

# Tables of the bulletins app now: the deliveries became e-mails of the outbox.
NOW_TABLES = {
    table.replace("resources_", "bulletins_") for table in OLD_TABLES - {"resources_delivery"}
}


def migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection)


def latest() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


# What the bulletin has had since the move: its audience, and who it was sent to.
ADDED_SINCE = {
    "audience_regions",
    "audience_organisation_kinds",
    "audience_sectors",
    "sent_to_everyone",
    "confirmed_audience",
}


def rows(model) -> list[dict]:
    return list(model.objects.order_by("pk").values())


PICKS = {"resources": "resource_id", "events": "event_id", "communities": "community_id"}


def picks(section_model) -> dict[str, list[tuple[int, int]]]:
    """Each many-to-many table of the sections, as (section, pick) pairs."""
    return {
        name: sorted(
            getattr(section_model, name).through.objects.values_list("bulletinsection_id", column)
        )
        for name, column in PICKS.items()
    }


@pytest.fixture
def before_the_move(admin_member, curator, coordinator):
    """The database as main had it: bulletins in every state, made by the old app's models."""
    ContentType.objects.clear_cache()
    try:
        executor = migrate([BEFORE_THE_MOVE, ("bulletins", None)])
        old = executor.loader.project_state([BEFORE_THE_MOVE]).apps
        # The content types were the old app's (the deliveries' too, which no model has now).
        ContentType.objects.get_or_create(app_label="bulletins", model="delivery")
        ContentType.objects.filter(app_label="bulletins", model__in=MOVED).update(
            app_label="resources"
        )
        ContentType.objects.clear_cache()
        yield old
    finally:
        ContentType.objects.clear_cache()
        migrate(latest())
        ContentType.objects.clear_cache()


def test_every_bulletin_section_pick_and_delivery_is_kept(
    client, before_the_move, admin_member, curator, coordinator
):
    old = before_the_move
    OldBulletin = old.get_model("resources", "Bulletin")
    OldSection = old.get_model("resources", "BulletinSection")
    OldDelivery = old.get_model("resources", "Delivery")
    readers = MemberFactory.create_batch(5)
    # An account closed while a bulletin was going out (as member_erase leaves it).
    closed = MemberFactory()
    User.objects.filter(pk=closed.pk).update(
        erased_at=timezone.now(), is_active=False, name="", email="former@invalid.example.org"
    )
    guide = make_resource("Run chart guide")
    tool = make_resource("Huddle board")
    masterclass = make_event(coordinator, title="Measurement masterclass")
    community = Community.objects.create(
        name="Frailty Network", slug="frailty-network", purpose="Frailty at home."
    )
    now = timezone.now()
    sent = OldBulletin.objects.create(
        title="eBulletin: November 2026",
        slug="ebulletin-november-2026",
        introduction="Welcome to **November**.",
        status="sent",
        created_by_id=curator.pk,
        created_at=now - timedelta(days=3),
        sent_at=now - timedelta(days=2),
        finished_at=now - timedelta(days=2) + timedelta(minutes=3),
        frozen={
            "title": "eBulletin: November 2026",
            "introduction": "Welcome to **November**.",
            "introduction_html": "<p>Welcome to <strong>November</strong>.</p>",
            "sections": [
                {
                    "heading": "New in the library",
                    "html": "<p>Try these.</p>",
                    "text": "Try these.",
                    "members_only": False,
                    "entries": [],
                }
            ],
        },
    )
    sending = OldBulletin.objects.create(
        title="eBulletin: December 2026",
        slug="ebulletin-december-2026",
        status="sending",
        created_by_id=curator.pk,
        sent_at=now,
        frozen={"title": "eBulletin: December 2026", "sections": []},
    )
    OldBulletin.objects.create(
        title="eBulletin: January 2027",
        slug="ebulletin-january-2027",
        status="scheduled",
        scheduled_for=now + timedelta(days=30),
        created_by_id=curator.pk,
    )
    OldBulletin.objects.create(title="Draft", slug="draft", introduction="", created_by=None)
    library = OldSection.objects.create(
        bulletin=sent, position=1, heading="New in the library", text="Try these."
    )
    library.resources.set([guide.pk, tool.pk])
    coming = OldSection.objects.create(
        bulletin=sent, position=2, heading="Coming up", text="", members_only=True
    )
    coming.events.set([masterclass.pk])
    coming.communities.set([community.pk])
    claim, other_claim = uuid.uuid4(), uuid.uuid4()
    interrupted = "Interrupted while sending: it may have arrived."
    refused = "SMTPRecipientsRefused: 550 No such mailbox"
    # Each delivery, and the outbox e-mail it is to become: (status, attempts, error, sent_at).
    deliveries = [
        (sent, readers[0], {"status": "sent", "sent_at": now, "attempts": 1}, ("sent", 1, "", now)),
        (sent, readers[1], {"status": "pending", "queued_at": now}, ("queued", 0, "", None)),
        (
            sent,
            readers[2],
            {"status": "sending", "claim": claim, "claimed_at": now, "handed_over_at": now},
            ("in_doubt", 0, interrupted, None),
        ),
        (
            sent,
            readers[3],
            {"status": "failed", "in_doubt": True, "attempts": 2, "error": interrupted},
            ("in_doubt", 2, interrupted, None),
        ),
        (sent, readers[4], {"status": "skipped", "attempts": 1}, ("skipped", 1, "", None)),
        (sending, readers[0], {}, ("queued", 0, "", None)),
        (
            sending,
            readers[1],
            {"status": "sending", "claim": other_claim, "claimed_at": now, "attempts": 1},
            ("queued", 1, "", None),
        ),
        (
            sending,
            readers[2],
            {"status": "failed", "attempts": 5, "error": refused},
            ("failed", 5, refused, None),
        ),
        (sending, closed, {}, ("skipped", 0, "", None)),
    ]
    for bulletin, reader, fields, _ in deliveries:
        OldDelivery.objects.create(bulletin=bulletin, member_id=reader.pk, **fields)
    bulletin_type = ContentType.objects.get(app_label="resources", model="bulletin")
    LogEntry.objects.create(
        user=admin_member,
        content_type=bulletin_type,
        object_id=str(sent.pk),
        object_repr=sent.title,
        action_flag=CHANGE,
        change_message="Changed the introduction.",
    )
    before = {
        "bulletins": rows(OldBulletin),
        "sections": rows(OldSection),
        "picks": picks(OldSection),
        "content types": {
            model: ContentType.objects.get(app_label="resources", model=model).pk for model in MOVED
        },
    }

    migrate(latest())
    ContentType.objects.clear_cache()

    # Bulletins from before there were audiences went to everyone, and still do: anyone reads
    # those sent, and those scheduled go to everyone, as confirmed.
    assert Bulletin.objects.to_everyone().count() == Bulletin.objects.count()
    for bulletin in Bulletin.objects.all():
        assert bulletin.sent_to_everyone == (bulletin.frozen is not None)
        confirmed = fingerprint(bulletin) if bulletin.status == "scheduled" else ""
        assert bulletin.confirmed_audience == confirmed
    assert Bulletin.objects.filter(frozen__isnull=False).exists()
    after = {
        "bulletins": [
            {name: value for name, value in row.items() if name not in ADDED_SINCE}
            for row in rows(Bulletin)
        ],
        "sections": rows(BulletinSection),
        "picks": picks(BulletinSection),
        "content types": {
            model: ContentType.objects.get(app_label="bulletins", model=model).pk for model in MOVED
        },
    }
    assert after == before
    assert len(after["bulletins"]) == 4
    assert after["picks"] == {
        "resources": sorted([(library.pk, guide.pk), (library.pk, tool.pk)]),
        "events": [(coming.pk, masterclass.pk)],
        "communities": [(coming.pk, community.pk)],
    }
    tables = set(connection.introspection.table_names())
    assert not OLD_TABLES & tables
    assert tables >= NOW_TABLES
    assert "bulletins_delivery" not in tables
    # Every delivery is an e-mail of the outbox: its bulletin, its member, as far as it got.
    emails = Email.objects.order_by("pk")
    assert [(email.kind, email.about_id, email.recipient_id) for email in emails] == [
        ("bulletins.bulletin", bulletin.pk, None if reader == closed else reader.pk)
        for bulletin, reader, _, _ in deliveries
    ]
    assert [(email.status, email.attempts, email.error, email.sent_at) for email in emails] == [
        expected for _, _, _, expected in deliveries
    ]
    assert [email.created_at for email in emails] == [
        bulletin.sent_at for bulletin, _, _, _ in deliveries
    ]
    assert not emails.filter(claim__isnull=False).exists()
    assert not ContentType.objects.filter(app_label="resources", model__in=MOVED).exists()
    assert Permission.objects.get(codename="change_bulletin").content_type.app_label == "bulletins"

    # What people see: the archive at its old address, the admin with its history.
    page = client.get("/bulletins/ebulletin-november-2026/").content.decode()
    assert "Welcome to <strong>November</strong>." in page
    # The curators' figures are those the deliveries gave.
    client.force_login(curator)
    progress = client.get("/bulletins/ebulletin-november-2026/progress/").content.decode()
    assert '<span data-progress="sent">1</span> sent' in progress
    assert '<span data-progress="pending">1</span> waiting' in progress
    assert '<span data-progress="failed">0</span> failed' in progress
    assert "1 not sent because they unsubscribed or left, of 5." in progress
    assert "Sending was interrupted for 2 members" in progress
    progress = client.get("/bulletins/ebulletin-december-2026/progress/").content.decode()
    assert '<span data-progress="pending">2</span> waiting' in progress
    assert '<span data-progress="failed">1</span> failed' in progress
    assert "1 not sent because they unsubscribed or left, of 4." in progress
    # What a member's data export says they were sent.
    client.force_login(readers[2])
    assert client.get("/members/me/export/").json()["bulletins"] == {
        "sent_to_me": [
            {"bulletin": "eBulletin: November 2026", "status": "failed"},
            {"bulletin": "eBulletin: December 2026", "status": "failed"},
        ]
    }
    client.force_login(admin_member)
    history = client.get(f"/admin/bulletins/bulletin/{sent.pk}/history/").content.decode()
    assert "Changed the introduction." in history
    # New rows follow on from the moved ones.
    assert Bulletin.objects.create(title="Next", slug="next").pk > sending.pk

    # Undone, the e-mails are deliveries again, as far as they had got.
    Bulletin.objects.filter(slug="next").delete()
    executor = migrate([("bulletins", "0001_initial")])
    Delivery = executor.loader.project_state([("bulletins", "0001_initial")]).apps.get_model(
        "bulletins", "Delivery"
    )
    assert [
        (delivery.bulletin_id, delivery.member_id, delivery.status, delivery.in_doubt)
        for delivery in Delivery.objects.order_by("pk")
    ] == [
        (bulletin.pk, reader.pk, status, in_doubt)
        for (bulletin, reader, _, _), (status, in_doubt) in zip(
            deliveries[:-1],  # the closed account's e-mail names nobody: no delivery again
            [
                ("sent", False),
                ("pending", False),
                ("failed", True),
                ("failed", True),
                ("skipped", False),
                ("pending", False),
                ("pending", False),
                ("failed", False),
            ],
            strict=True,
        )
    ]
    assert not Email.objects.exists()
