"""Rules about members: profiles, the directory search, privacy, notifications, data rights."""

from __future__ import annotations

import base64
import io
import re
import uuid

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVector,
    TrigramWordSimilarity,
)
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Lower, Replace
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.text import slugify
from PIL import Image, ImageOps, UnidentifiedImageError

from base import outbox
from base.audit import action_label
from base.models import AuditEntry
from base.text_search import SEARCH_CONFIG, array_text, joined_text
from base.typos import words_match
from members import hooks
from members.audit import role_changes_record, roles_of
from members.models import FORMER_MEMBER, Notification, Organisation, Profile, User
from members.roles import roles_withheld
from members.sessions import sessions_end

PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_MAX_PIXELS = 16_000_000  # refuse decompression bombs before decoding them
PHOTO_SIZE = 600
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
RESERVED_SLUGS = {"me"}  # /members/me/ is each member's own page
NOTIFICATION_EMAIL = "members.notification"  # the outbox's kind (members.emails renders it)
FEED_KEY = re.compile(
    r"(?P<member>[0-9]{1,18})-(?P<generation>[0-9]{1,9})-(?P<signature>[0-9a-f]{32})"
)


# --- profiles -------------------------------------------------------------------------------


def profile_slug(name: str, *, member_id: int | None = None) -> str:
    base = slugify(name)[:160] or "member"
    if base in RESERVED_SLUGS:
        base = f"{base}-member"
    taken = Profile.objects.filter(slug__startswith=base)
    if member_id:
        taken = taken.exclude(member_id=member_id)
    taken_slugs = set(taken.values_list("slug", flat=True))
    slug, number = base, 2
    while slug in taken_slugs:
        slug, number = f"{base}-{number}", number + 1
    return slug


def profile_for(member: User) -> Profile:
    """The member's profile, made on first need (every member has exactly one)."""
    try:
        return member.profile
    except Profile.DoesNotExist:
        profile, _ = Profile.objects.get_or_create(
            member=member, defaults={"slug": profile_slug(member.name, member_id=member.pk)}
        )
        return profile


def profiles_index(profiles: QuerySet[Profile]) -> None:
    """Rebuild the stored search vectors: name, role and expertise weigh most, the bio least."""
    name = Subquery(User.objects.filter(pk=OuterRef("member_id")).values("name")[:1])
    expertise = joined_text(
        Profile.expertise.through.objects.filter(profile=OuterRef("pk")), "topic__name", "profile"
    )
    organisation = Subquery(
        Organisation.objects.filter(pk=OuterRef("organisation_id")).values("name")[:1]
    )
    vector = (
        # Names unstemmed ("jones" stays "jones") and stemmed, to match either kind of query.
        SearchVector(name, weight="A", config="simple")
        + SearchVector(name, weight="A", config=SEARCH_CONFIG)
        + SearchVector(expertise, array_text("expertise_tags"), weight="A", config=SEARCH_CONFIG)
        + SearchVector("job_title", weight="B", config=SEARCH_CONFIG)
        + SearchVector(organisation, "locality", weight="C", config=SEARCH_CONFIG)
        + SearchVector("bio", weight="D", config=SEARCH_CONFIG)
    )
    profiles.update(search_vector=vector)


def profile_index(profile: Profile) -> None:
    profiles_index(Profile.objects.filter(pk=profile.pk))


# The parts of a profile that make it useful to others, in the order the checklist shows them.
COMPLETENESS = [
    ("job_title", "Your job title"),
    ("organisation", "Your organisation"),
    ("sector", "Your sector"),
    ("region", "Your region and locality"),
    ("bio", "A short introduction about you"),
    ("expertise", "Your areas of expertise"),
    ("interests", "What you are interested in"),
    ("photo", "A photo"),
]


def profile_completeness(profile: Profile) -> dict:
    """What is done and what is missing; expertise and interests must be prefetched."""
    present = {
        "job_title": bool(profile.job_title),
        "organisation": bool(profile.organisation_id),
        "sector": bool(profile.sector),
        "region": bool(profile.region),
        "bio": bool(profile.bio.strip()),
        "expertise": bool(profile.expertise.all()) or bool(profile.expertise_tags),
        "interests": bool(profile.interests.all()),
        "photo": bool(profile.photo),
    }
    items = [{"label": label, "done": present[field]} for field, label in COMPLETENESS]
    done = sum(item["done"] for item in items)
    return {
        "items": items,
        "done": done,
        "total": len(items),
        "percent": round(100 * done / len(items)),
        "complete": done == len(items),
    }


def profile_needs_basics(profile: Profile) -> bool:
    """Without a role and an organisation nobody can tell whom they are contacting."""
    return not (profile.job_title and profile.organisation_id)


def photo_prepare(upload) -> ContentFile:
    """Check an uploaded photo by its content and re-encode it, dropping anything hidden in it."""
    if upload.size > PHOTO_MAX_BYTES:
        raise ValidationError("The photo must be smaller than 5 MB.", code="too_large")
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            image_format = probe.format
            width, height = probe.size
            probe.verify()
        if image_format not in PHOTO_FORMATS:
            raise UnidentifiedImageError(image_format)
        if width * height > PHOTO_MAX_PIXELS:
            raise ValidationError("The photo is too large in pixels.", code="too_many_pixels")
        upload.seek(0)
        with Image.open(upload) as image:
            image.seek(0)
            image.draft("RGB", (PHOTO_SIZE * 2, PHOTO_SIZE * 2))  # JPEG: decode at reduced size
            upright = ImageOps.exif_transpose(image)  # phones store pictures on their side
            # Transparent areas become white, not black.
            picture = Image.new("RGB", upright.size, "white")
            rgba = upright.convert("RGBA")
            picture.paste(rgba, mask=rgba.getchannel("A"))
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ValidationError(
            "The photo must be a JPEG, PNG, WebP or GIF image.", code="not_an_image"
        ) from None
    picture.thumbnail((PHOTO_SIZE, PHOTO_SIZE))
    encoded = io.BytesIO()
    picture.save(encoded, format="JPEG", quality=85, optimize=True)
    return ContentFile(encoded.getvalue(), name=f"{uuid.uuid4().hex}.jpg")


@transaction.atomic
def profile_update(*, profile: Profile, name: str, photo=None, remove_photo: bool = False) -> None:
    """Save an edited profile with the member's name and photo; the caller re-indexes it
    once its expertise is saved too (profile_index)."""
    member = profile.member
    renamed_from = None
    if name != member.name:
        if member.name:
            admin_log_rename(member.name, name)
        member.name = name
        member.save(update_fields=["name"])
        # An old name must not live on in the address of the profile.
        renamed_from = profile.slug
        profile.slug = profile_slug(name, member_id=member.pk)
    old_photo = profile.photo.name if profile.photo else ""
    if photo is not None:
        profile.photo.save(photo.name, photo, save=False)
    elif remove_photo:
        profile.photo = ""
    profile.save()
    new_photo = profile.photo.name if profile.photo else ""
    if old_photo and old_photo != new_photo:
        storage = profile.photo.storage
        transaction.on_commit(lambda: storage.delete(old_photo))
    if renamed_from is not None:
        for renamed in hooks.renamers():
            renamed(member, renamed_from)


# --- who may see what -----------------------------------------------------------------------


def member_profiles() -> QuerySet[Profile]:
    """Profiles of the network's members: confirmed e-mail address, account open."""
    return Profile.objects.of_members()


def named_to(viewer, member_field: str) -> Exists:
    """Whether the person at `member_field` (organiser, contributor, teller…) may be named to
    the viewer: a name is shown only where that person's profile is one the viewer may open."""
    return Exists(Profile.objects.visible_to(viewer).filter(member_id=OuterRef(member_field)))


def email_visible_to(profile: Profile, viewer) -> bool:
    if not viewer.is_authenticated:
        return False
    if viewer.pk == profile.member_id:
        return True
    return profile.email_visibility == Profile.EmailVisibility.MEMBERS


# --- the directory --------------------------------------------------------------------------


def directory_search(profiles: QuerySet[Profile], text: str) -> QuerySet[Profile]:
    """Full-text over name, role, expertise and bio; names also by trigram similarity, and with
    each word typed within its typos (base/typos.py: "Alisa Buhcanan" finds Ailsa Buchanan)."""
    text = " ".join(text.split())[:200]
    if not text:
        return profiles
    query = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
    lowered = text.lower()
    similar = Q(name_lower__trigram_word_similar=lowered)
    if near := words_match("name_lower", lowered):
        similar |= near
    # Two indexed look-ups (GIN full-text on profiles, GIN trigram and typo keys on names), then
    # one ranking.
    by_words = Profile.objects.filter(search_vector=query).values("pk")
    by_name = Profile.objects.filter(
        member__in=User.objects.annotate(name_lower=Lower("name")).filter(similar).values("pk")
    ).values("pk")
    # One list of ids from both look-ups: with an OR of the two the planner expected a third
    # of the network and read it all.
    return (
        profiles.filter(pk__in=by_words.union(by_name))
        .annotate(
            relevance=Coalesce(SearchRank(F("search_vector"), query), 0.0)
            + TrigramWordSimilarity(Value(lowered), Lower("member__name"))
        )
        .order_by("-relevance", "member__name", "pk")
    )


def directory_listing(profiles: QuerySet[Profile]) -> QuerySet[Profile]:
    """What a directory card shows, fetched in a fixed number of queries."""
    return (
        profiles.select_related("member", "organisation")
        .prefetch_related("expertise")
        .defer("search_vector")
    )


def people_to_meet(profile: Profile, *, limit: int = 6) -> list[Profile]:
    """Members in other organisations who share the most expertise with this member."""
    topic_ids = [topic.pk for topic in profile.expertise.all()]
    if not topic_ids:
        return []
    candidates = (
        Profile.objects.visible_to(profile.member)
        .exclude(pk=profile.pk)
        .filter(expertise__in=topic_ids)
        .annotate(shared=Count("expertise", filter=Q(expertise__in=topic_ids), distinct=True))
    )
    if profile.organisation_id:
        candidates = candidates.exclude(organisation_id=profile.organisation_id)
    return list(directory_listing(candidates.order_by("-shared", "member__name", "pk"))[:limit])


# --- notifications --------------------------------------------------------------------------


def notify(
    *,
    member: User,
    kind: str,
    message: str,
    url: str = "",
    actor: User | None = None,
    by: User | None = None,
    role: str = "",
) -> Notification:
    """Tell a member something: it appears in their list, and is e-mailed if they allow it.

    `by`: the member whose name leads the message ("mentioned you in …" reads "Ann Smith
    mentioned you in …"); the name is read when the message is shown or e-mailed, never stored.
    `actor`: who caused it, unnamed. Every app calls this; the e-mail goes into the outbox with
    the notification, in one transaction, and is sent after the commit (base.outbox).
    """
    wants_email = Profile.objects.filter(member=member, email_notifications=True).exists()
    with transaction.atomic(savepoint=False):
        notification = Notification.objects.create(
            recipient=member,
            actor=by or actor,
            actor_named=by is not None,
            kind=kind,
            message=message[:300],
            url=url,
            role=role,
        )
        if wants_email:
            outbox.enqueue(NOTIFICATION_EMAIL, about_id=notification.pk, recipient=member)
    return notification


def notify_role(*, role: str, kind: str, message: str, url: str = "", by: User | None = None):
    """Tell everyone who holds a role (a group such as Curators) the same thing."""
    for member in User.objects.filter(groups__name=role, is_active=True).distinct():
        notify(member=member, kind=kind, message=message, url=url, by=by, role=role)


def notifications_for(member: User) -> QuerySet:
    """The member's notifications they may read now: those sent to a role only while the role
    counts for them (members.roles)."""
    # The member's groups read in the same query: most pages show the unread count.
    counted = Q(role__in=member.groups.values("name")) & ~Q(role__in=roles_withheld(member))
    return Notification.objects.filter(recipient=member).filter(Q(role="") | counted)


def unread_count(member: User) -> int:
    return notifications_for(member).filter(read_at__isnull=True).count()


def notifications_mark_read(member: User) -> int:
    return notifications_for(member).filter(read_at__isnull=True).update(read_at=timezone.now())


# --- data rights ----------------------------------------------------------------------------


def feed_key_for(member: User) -> str:
    """The secret part of the member's private feed addresses: a feed reader cannot sign in,
    so the address itself says whose feed it is. Signed, so nothing need be stored."""
    signed = f"{member.pk}-{member.feed_generation}"
    return f"{signed}-{_feed_signature(signed)}"


def _feed_signature(signed: str) -> str:
    return salted_hmac("members.feed_key", signed, algorithm="sha256").hexdigest()[:32]


def feed_key_reset(member: User) -> None:
    """New feed addresses: every private feed address the member gave a reader stops working."""
    User.objects.filter(pk=member.pk).update(feed_generation=F("feed_generation") + 1)
    member.refresh_from_db(fields=["feed_generation"])


def member_by_feed_key(key: str) -> User | None:
    """Whose private feeds this key opens, if it is one the site signed, still current, and its
    member may still sign in."""
    found = FEED_KEY.fullmatch(key)
    if not found or not constant_time_compare(
        _feed_signature(f"{found['member']}-{found['generation']}"), found["signature"]
    ):
        return None
    return User.objects.filter(
        pk=found["member"], feed_generation=found["generation"], is_active=True
    ).first()


def member_export(member: User) -> dict:
    """Everything held about the member, each app adding its own part through members.hooks."""
    profile = profile_for(member)
    export = {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "name": member.name,
            "email": member.email,
            "date_joined": member.date_joined.isoformat(),
            "last_login": member.last_login.isoformat() if member.last_login else None,
            "roles": sorted(member.groups.values_list("name", flat=True)),
            "email_addresses": list(
                EmailAddress.objects.filter(user=member).values("email", "verified", "primary")
            ),
            # What each organisation's provider told us when the member last signed in with it.
            "organisation_accounts": [
                {
                    "provider": account.provider,
                    "connected_at": account.date_joined.isoformat(),
                    "last_sign_in": account.last_login.isoformat(),
                    "claims": account.extra_data,
                }
                for account in SocialAccount.objects.filter(user=member).order_by("pk")
            ],
            # What kind, and when: never the key or the codes themselves.
            "second_factor": [
                {
                    "kind": kind,
                    "set_up": created_at.isoformat(),
                    "last_used": last_used_at.isoformat() if last_used_at else None,
                }
                for kind, created_at, last_used_at in Authenticator.objects.filter(
                    user=member
                ).values_list("type", "created_at", "last_used_at")
            ],
        },
        "profile": {
            "slug": profile.slug,
            "job_title": profile.job_title,
            "organisation": profile.organisation.name if profile.organisation_id else None,
            "sector": profile.get_sector_display() if profile.sector else None,
            "region": profile.get_region_display() if profile.region else None,
            "locality": profile.locality,
            "bio": profile.bio,
            "expertise": list(profile.expertise.values_list("name", flat=True)),
            "other_expertise": profile.expertise_tags,
            "interests": list(profile.interests.values_list("name", flat=True)),
            "links": profile.links,
            "photo": file_export(profile.photo, name="photo.jpg"),
            "open_to_mentoring": profile.open_to_mentoring,
            "looking_for_mentor": profile.looking_for_mentor,
            "privacy": {
                "email_visible_to": profile.get_email_visibility_display(),
                "profile_visible_to": profile.get_visibility_display(),
                "show_events": profile.show_events,
            },
            "email_notifications": profile.email_notifications,
            "receives_bulletin": profile.receives_bulletin,
        },
        "notifications": [
            {
                "message": notification.text,
                "url": notification.url,
                "created_at": notification.created_at.isoformat(),
                "read": notification.read_at is not None,
            }
            for notification in member.notifications.select_related("actor")
        ],
        # The audit log's entries about them: roles, requests, posts; who decided is another
        # member's data and stays out.
        "decisions_about_you": [
            {
                "decision": action_label(entry.action),
                "about": entry.detail,
                "at": entry.at.isoformat(),
            }
            for entry in AuditEntry.objects.filter(member=member).order_by("at", "id")
        ],
    }
    for section, contribute in hooks.export_sections():
        export[section] = contribute(member)
    return export


def file_export(stored, *, name: str) -> dict | None:
    """An uploaded file itself, for a data export: what erasure deletes, the export must hold."""
    if not stored:
        return None
    try:
        with stored.open("rb") as opened:
            content = opened.read()
    except OSError:
        return None
    return {"name": name, "base64": base64.b64encode(content).decode()}


@transaction.atomic
def member_erase(member: User) -> None:
    """Close the account: personal data goes, contributions stay, shown as from a former member.

    Each app erases its own part (members.hooks); here go the account, the profile and photo,
    notifications, roles (recorded in the audit log), every signed-in browser, and the name in
    the admin's own log of changes.
    """
    for erase in hooks.erasers():
        erase(member)
    profile = profile_for(member)
    if profile.photo:
        photo_name, storage = profile.photo.name, profile.photo.storage
        transaction.on_commit(lambda: storage.delete(photo_name))
    _admin_log_forget(member, profile)
    profile.delete()
    member.notifications.all().delete()
    # Notifications written before names were read when shown may still hold the name.
    if member.name:
        Notification.objects.filter(actor=member, actor_named=False).update(
            message=Replace("message", Value(member.name), Value(FORMER_MEMBER.lower()))
        )
    Notification.objects.filter(actor=member).update(actor=None)
    EmailAddress.objects.filter(user=member).delete()
    # Their organisation accounts and what the providers said of them (names, addresses).
    SocialAccount.objects.filter(user=member).delete()
    Authenticator.objects.filter(user=member).delete()
    role_changes_record(actor=member, member=member, before=roles_of(member), after=set())
    member.groups.clear()
    member.user_permissions.clear()
    member.name = ""
    member.email = f"former-member-{member.pk}@invalid.example.org"
    member.set_unusable_password()
    member.is_active = False
    member.is_staff = False
    member.is_superuser = False
    member.erased_at = timezone.now()
    member.last_login = None
    member.save()
    # Signed out everywhere now, not when each browser next asks.
    sessions_end(member.pk)


def _admin_log_forget(member: User, profile: Profile) -> None:
    """The admin's "Recent actions" name what was changed: for this member, no longer."""
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    for changed in (member, profile):
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(changed), object_id=str(changed.pk)
        ).update(object_repr=FORMER_MEMBER)
    if member.name:
        admin_log_rename(member.name, FORMER_MEMBER)


def admin_log_rename(old: str, new: str) -> None:
    """Every entry of the admin's log that names someone by `old` (their offer, their place at
    an event, a change to their membership…) names them `new` instead."""
    from django.contrib.admin.models import LogEntry

    LogEntry.objects.filter(Q(object_repr__contains=old) | Q(change_message__contains=old)).update(
        object_repr=Replace("object_repr", Value(old), Value(new)),
        change_message=Replace("change_message", Value(old), Value(new)),
    )
