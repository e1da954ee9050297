"""Demo eBulletins for seed_demo: who receives it, three sent bulletins and a draft."""

import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.text import slugify

from base.models import Email
from bulletins import delivery
from bulletins.audiences import audience_members
from bulletins.models import Bulletin, BulletinSection
from bulletins.snapshot import bulletin_snapshot
from communities.models import Community
from events.models import Event
from members.models import Profile, User
from members.roles import ANY_MEMBER, CURATORS
from resources.models import Resource

LONDON = ZoneInfo("Europe/London")

BULLETINS = [
    (
        "eBulletin: September 2026",
        80,
        "Welcome back after the summer. This month: new tools for "
        "measurement, and two masterclasses opening for registration.",
    ),
    (
        "eBulletin: October 2026",
        50,
        "Winter planning is on everyone's mind. Members have shared "
        "what worked last year, and a new community starts on unscheduled care.",
    ),
    (
        "eBulletin: November 2026",
        20,
        "This month we celebrate the teams who wrote up their work "
        "for the library, and look ahead to the learning events of the new year.",
    ),
]


def seed(members: list[User], resources: list[Resource]) -> list[Bulletin]:
    chooser = random.Random(7)  # noqa: S311 (the same demo bulletins on every run)
    # Most members want the bulletin; the demo accounts all do, to see it arrive.
    for number, member in enumerate(members):
        Profile.objects.filter(member=member).update(
            receives_bulletin=number < 5 or chooser.random() < 0.6
        )
    curator = User.objects.filter(groups__name=CURATORS).order_by("pk").first() or members[0]
    communities = list(Community.objects.visible_to(ANY_MEMBER)[:4])
    events = list(Event.objects.order_by("starts_at")[:6])
    for number, (title, days_ago, introduction) in enumerate(BULLETINS):
        bulletin, created = Bulletin.objects.get_or_create(
            slug=slugify(title),
            defaults={"title": title, "introduction": introduction, "created_by": curator},
        )
        if not created:
            continue
        picks = resources[number * 6 : number * 6 + 6]
        library = BulletinSection.objects.create(
            bulletin=bulletin,
            position=1,
            heading="New in the library",
            text="Members shared these this month. Say if you used one in practice: it helps "
            "others find what works.",
        )
        library.resources.set(picks[:4])
        coming = BulletinSection.objects.create(
            bulletin=bulletin, position=2, heading="Events to book", text=""
        )
        coming.events.set(events[number : number + 3])
        talking = BulletinSection.objects.create(
            bulletin=bulletin,
            position=3,
            heading="What communities are talking about",
            text="Join a community to take part in its discussions.",
            members_only=number == 1,
        )
        talking.communities.set(communities[number : number + 2])
        sent_at = timezone.make_aware(
            datetime.combine(timezone.localdate() - timedelta(days=days_ago), time(9, 0)), LONDON
        )
        # As if it had gone out: an e-mail in the outbox, sent, to each member who wanted it.
        Email.objects.bulk_create(
            Email(
                kind=delivery.BULLETIN_EMAIL,
                about_id=bulletin.pk,
                recipient_id=member_id,
                status=Email.Status.SENT,
                sent_at=sent_at,
                attempts=1,
                created_at=sent_at,
                not_before=sent_at,
            )
            for member_id in audience_members(bulletin=bulletin).values_list("pk", flat=True)
        )
        Bulletin.objects.filter(pk=bulletin.pk).update(
            frozen=bulletin_snapshot(bulletin),
            status=Bulletin.Status.SENT,
            sent_at=sent_at,
            finished_at=sent_at + timedelta(minutes=3),
        )
    Bulletin.objects.get_or_create(
        slug="ebulletin-december-2026",
        defaults={
            "title": "eBulletin: December 2026",
            "introduction": "A draft for curators to try: add sections, preview, send a test.",
            "created_by": curator,
        },
    )
    return list(Bulletin.objects.order_by("pk"))
