"""Rules of communities of practice: who sees and joins what, discussion, moderation, digests."""

from __future__ import annotations

import re
from datetime import timedelta

from django.contrib.auth.models import Group
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.db.models.functions import Left
from django.utils import timezone
from django.utils.html import escape

from base import outbox
from base.audit import audit_record
from base.errors import NotFound
from base.markdown import render_markdown
from base.queries import per_row
from base.text_search import SEARCH_CONFIG, joined_text
from communities.audit import Action
from communities.models import (
    Community,
    Invitation,
    JoinRequest,
    Membership,
    Post,
    Report,
    Thread,
    ThreadSubscription,
)
from members.audit import Action as RoleAction
from members.models import Profile, User
from members.roles import is_coordinator
from members.services import notify

FOUNDERS = "Community founders"
# The outbox's kinds of e-mail (communities.emails builds them).
DIGEST_EMAIL = "communities.digest"
INVITATION_EMAIL = "communities.invitation"
# Posts in one digest e-mail at most; a longer backlog comes in several.
DIGEST_BATCH = 100
# A post's time is set before its transaction commits: a window that stops this far back leaves
# a post still being saved for the next e-mail instead of skipping it.
COMMIT_MARGIN = timedelta(seconds=10)
# Paths under /communities/ that are not communities.
RESERVED_SLUGS = {"new", "invitations", "founders"}
MENTION = re.compile(r"(?<![\w@])@([a-z0-9][a-z0-9-]{1,178})\b")


def mention_pattern(slug: str) -> re.Pattern:
    """A mention of exactly this profile address (not of a longer one it begins)."""
    return re.compile(rf"(?<![\w@])@{re.escape(slug)}(?![a-z0-9]|-[a-z0-9])")


class CommunityError(ValidationError):
    """A request that cannot be carried out, with the message the member should see."""


# --- who may see and do what ----------------------------------------------------------------
# The rules themselves are the querysets' (communities.models): Community.objects.visible_to,
# readable_by, moderated_by; Thread and Post .objects.visible_to.


def community_for(viewer, slug: str) -> Community:
    """The community, or NotFound for anyone who may not know it exists; with whether the
    viewer reads its discussions (`viewer_reads`) and moderates it (`viewer_moderates`)."""
    this = OuterRef("pk")
    try:
        return (
            Community.objects.visible_to(viewer)
            .annotate(
                viewer_reads=Exists(Community.objects.readable_by(viewer).filter(pk=this)),
                viewer_moderates=Exists(Community.objects.moderated_by(viewer).filter(pk=this)),
            )
            .get(slug=slug)
        )
    except Community.DoesNotExist:
        raise NotFound("No such community") from None


def membership_of(member, community: Community) -> Membership | None:
    if not member.is_authenticated:
        return None
    return Membership.objects.filter(community=community, member=member).first()


def can_create_communities(member) -> bool:
    if not member.is_authenticated:
        return False
    return is_coordinator(member) or member.groups.filter(name=FOUNDERS).exists()


# --- communities ----------------------------------------------------------------------------


def communities_index(communities: QuerySet[Community]) -> None:
    communities.update(
        search_vector=SearchVector("name", weight="A", config=SEARCH_CONFIG)
        + SearchVector("purpose", weight="B", config=SEARCH_CONFIG)
    )


def community_index(community: Community) -> None:
    communities_index(Community.objects.filter(pk=community.pk))


THREAD_TEXT_LIMIT = 100_000


def threads_index(threads: QuerySet[Thread]) -> None:
    """A thread is found by its title and by what its visible posts say."""
    posts = joined_text(Post.objects.readable().filter(thread=OuterRef("pk")), "body", "thread")
    # A search vector may not pass 1 MB: a thread's first THREAD_TEXT_LIMIT characters say
    # what it is about, and a flood of posts cannot make it unwritable.
    posts = Left(posts, THREAD_TEXT_LIMIT)
    threads.update(
        search_vector=SearchVector("title", weight="A", config=SEARCH_CONFIG)
        + SearchVector(posts, weight="D", config=SEARCH_CONFIG)
    )


@transaction.atomic
def community_create(*, founder: User, community: Community) -> Community:
    community.created_by = founder
    community.save()
    Membership.objects.create(community=community, member=founder, role=Membership.Role.MODERATOR)
    community_index(community)
    return community


def community_update(community: Community) -> None:
    """After an edit: re-index, and if it is no longer open, non-members stop following it."""
    community_index(community)
    if community.privacy != Community.Privacy.OPEN:
        ThreadSubscription.objects.filter(thread__community=community).exclude(
            member_id__in=community.memberships.values("member_id")
        ).delete()


def community_listing(communities: QuerySet[Community]) -> QuerySet[Community]:
    return communities.annotate(
        member_count=per_row(Membership.objects.all(), "community"),
        thread_count=per_row(Thread.objects.all(), "community"),
    ).prefetch_related("topics")


def community_search(communities: QuerySet[Community], text: str) -> QuerySet[Community]:
    text = " ".join(text.split())[:200]
    if not text:
        return communities
    query = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
    return (
        communities.filter(search_vector=query)
        .annotate(relevance=SearchRank(F("search_vector"), query))
        .order_by("-relevance", "name")
    )


def founder_allow(*, coordinator: User, member: User, allowed: bool) -> None:
    if not is_coordinator(coordinator):
        raise CommunityError("Only coordinators can allow members to start communities.")
    founders, _ = Group.objects.get_or_create(name=FOUNDERS)
    if member.groups.filter(pk=founders.pk).exists() == allowed:
        return
    if allowed:
        member.groups.add(founders)
    else:
        member.groups.remove(founders)
    audit_record(
        actor=coordinator,
        action=RoleAction.ROLE_GRANTED if allowed else RoleAction.ROLE_REMOVED,
        member=member,
        detail=FOUNDERS,
    )


# --- membership -----------------------------------------------------------------------------


@transaction.atomic
def membership_join(*, community: Community, member: User) -> Membership:
    if community.privacy != Community.Privacy.OPEN:
        raise CommunityError("This community is not open: ask to join instead.")
    try:
        with transaction.atomic():
            return Membership.objects.create(community=community, member=member)
    except IntegrityError:
        raise CommunityError("You are already a member of this community.") from None


def is_only_moderator(*, membership: Membership, lock: bool = False) -> bool:
    """Whether the member moderates the community alone: they may not leave it unmoderated."""
    if not membership.is_moderator:
        return False
    others = Membership.objects.filter(
        community_id=membership.community_id, role=Membership.Role.MODERATOR
    ).exclude(pk=membership.pk)
    return not (others.select_for_update() if lock else others).exists()


@transaction.atomic
def membership_leave(*, community: Community, member: User) -> None:
    membership = Membership.objects.filter(community=community, member=member).first()
    if membership is None:
        raise CommunityError("You are not a member of this community.")
    if is_only_moderator(membership=membership, lock=True):
        raise CommunityError(
            "You are the only moderator: appoint another moderator before you leave."
        )
    membership.delete()
    # Whoever leaves stops hearing about its threads.
    ThreadSubscription.objects.filter(thread__community=community, member=member).delete()


@transaction.atomic
def join_request_create(*, community: Community, member: User, reason: str) -> JoinRequest:
    if community.privacy != Community.Privacy.CLOSED:
        raise CommunityError("Only closed communities take requests to join.")
    if Membership.objects.filter(community=community, member=member).exists():
        raise CommunityError("You are already a member of this community.")
    reason = reason.strip()
    if not reason:
        raise CommunityError("Say in a sentence why you would like to join.")
    try:
        with transaction.atomic():
            request = JoinRequest.objects.create(community=community, member=member, reason=reason)
    except IntegrityError:
        raise CommunityError(
            "You have already asked to join: a moderator will decide soon."
        ) from None
    for moderator in _moderators(community):
        notify(
            member=moderator,
            kind="join_request",
            message=f"asked to join {community.name}",
            by=member,
            url=f"/communities/{community.slug}/requests/",
        )
    return request


@transaction.atomic
def join_request_decide(
    *, join_request: JoinRequest, moderator: User, approve: bool, message: str = ""
) -> None:
    # Lock the request: two moderators deciding at once must not both act.
    join_request = JoinRequest.objects.select_for_update().get(pk=join_request.pk)
    if join_request.status != JoinRequest.Status.PENDING:
        raise CommunityError("Another moderator has already decided this request.")
    join_request.status = JoinRequest.Status.APPROVED if approve else JoinRequest.Status.REFUSED
    join_request.decided_by = moderator
    join_request.decided_at = timezone.now()
    join_request.message = message.strip()
    join_request.save()
    community = join_request.community
    audit_record(
        actor=moderator,
        action=Action.JOIN_APPROVED if approve else Action.JOIN_REFUSED,
        member=join_request.member,
        detail=community.name,
    )
    if approve:
        Membership.objects.get_or_create(community=community, member=join_request.member)
        text = f"You are now a member of {community.name}"
    else:
        text = f"Your request to join {community.name} was not accepted"
    if join_request.message:
        text = f"{text}: “{join_request.message}”"
    notify(
        member=join_request.member,
        kind="join_decision",
        message=text,
        url=community.get_absolute_url(),
    )


@transaction.atomic
def moderator_set(*, community: Community, moderator: User, member: User, appoint: bool) -> None:
    # Lock the moderators: two stepping down at once must not leave the community with none.
    list(
        Membership.objects.select_for_update().filter(
            community=community, role=Membership.Role.MODERATOR
        )
    )
    membership = Membership.objects.filter(community=community, member=member).first()
    if membership is None:
        raise CommunityError("Only members of the community can be moderators.")
    if not appoint and membership.is_moderator:
        others = Membership.objects.filter(community=community, role=Membership.Role.MODERATOR)
        if others.exclude(pk=membership.pk).count() == 0:
            raise CommunityError("A community needs at least one moderator.")
    if membership.is_moderator == appoint:
        return
    membership.role = Membership.Role.MODERATOR if appoint else Membership.Role.MEMBER
    membership.save(update_fields=["role"])
    audit_record(
        actor=moderator,
        action=Action.MODERATOR_APPOINTED if appoint else Action.MODERATOR_REMOVED,
        member=member,
        detail=community.name,
    )
    if appoint:
        notify(
            member=member,
            kind="moderator",
            url=community.get_absolute_url(),
            message=f"made you a moderator of {community.name}",
            by=moderator,
        )


@transaction.atomic
def invitation_create(*, community: Community, inviter: User, email: str) -> Invitation:
    email = email.strip().lower()
    if Membership.objects.filter(community=community, member__email__iexact=email).exists():
        raise CommunityError("Someone with this e-mail address is already a member.")
    invitation = Invitation.objects.create(
        community=community, email=email, invited_by=inviter, emailed_at=timezone.now()
    )
    # To the address: the person invited may have no account yet.
    outbox.enqueue(INVITATION_EMAIL, about_id=invitation.pk, address=email)
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, member: User) -> Community:
    invitation = Invitation.objects.select_for_update().filter(token=token).first()
    if invitation is None or not invitation.is_usable:
        raise CommunityError("This invitation has expired or has been used already.")
    if invitation.email.lower() != member.email.lower():
        raise CommunityError(
            f"This invitation was sent to {invitation.email}: "
            "sign in with that address to accept it."
        )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    Membership.objects.get_or_create(community=invitation.community, member=member)
    return invitation.community


def _moderators(community: Community) -> list[User]:
    return [
        membership.member
        for membership in Membership.objects.filter(
            community=community, role=Membership.Role.MODERATOR
        ).select_related("member")
    ]


# --- discussion -----------------------------------------------------------------------------


def post_render(body: str, mentioned: list[User]) -> str:
    """Markdown through the one sanitiser; @mentions of known members become profile links."""
    slugs = {member.profile.slug: member for member in mentioned}

    def link(match: re.Match) -> str:
        member = slugs.get(match.group(1))
        if member is None:
            return match.group(0)
        return f"[@{escape(member.display_name)}](/members/{match.group(1)}/)"

    return str(render_markdown(MENTION.sub(link, body)))


def _mentioned(body: str, community: Community) -> list[User]:
    """Members named with @slug who can read the community (nobody else hears of it)."""
    slugs = set(MENTION.findall(body))
    if not slugs:
        return []
    profiles = Profile.objects.filter(
        slug__in=slugs, member__in=community.readers()
    ).select_related("member")
    return [profile.member for profile in profiles]


def _check_body(body: str) -> str:
    body = body.strip()
    if not body:
        raise CommunityError("Write something before you post.")
    return body


@transaction.atomic
def thread_start(*, community: Community, author: User, title: str, body: str) -> Thread:
    if not Membership.objects.filter(community=community, member=author).exists():
        raise CommunityError("Join the community to start a thread.")
    title = " ".join(title.split())
    if not title:
        raise CommunityError("Give the thread a title.")
    thread = Thread.objects.create(community=community, author=author, title=title)
    _post_add(thread=thread, author=author, body=_check_body(body))
    return thread


@transaction.atomic
def reply_create(*, thread: Thread, author: User, body: str) -> Post:
    # Lock the thread row: a moderator locking it and a reply arriving must not interleave.
    thread = Thread.objects.select_for_update().select_related("community").get(pk=thread.pk)
    if thread.locked:
        raise CommunityError("This thread is locked: no more replies can be added.")
    if not Membership.objects.filter(community=thread.community, member=author).exists():
        raise CommunityError("Join the community to reply.")
    return _post_add(thread=thread, author=author, body=_check_body(body))


def _post_add(*, thread: Thread, author: User, body: str) -> Post:
    community = thread.community
    mentioned = _mentioned(body, community)
    now = timezone.now()
    post = Post.objects.create(
        thread=thread,
        author=author,
        body=body,
        body_html=post_render(body, mentioned),
        created_at=now,
    )
    post.mentions.set(mentioned)
    Thread.objects.filter(pk=thread.pk).update(last_post_at=now, post_count=F("post_count") + 1)
    threads_index(Thread.objects.filter(pk=thread.pk))
    Community.objects.filter(pk=community.pk).update(last_activity_at=now)
    ThreadSubscription.objects.get_or_create(
        thread=thread, member=author, defaults={"state": ThreadSubscription.State.FOLLOWING}
    )

    told = {author.pk}
    url = f"{thread.get_absolute_url()}?page=last#post-{post.pk}"
    for member in mentioned:
        if member.pk not in told:
            told.add(member.pk)
            notify(
                member=member,
                kind="mention",
                url=url,
                message=f"mentioned you in “{thread.title}”",
                by=author,
            )
    followers = (
        ThreadSubscription.objects.filter(
            thread=thread, state=ThreadSubscription.State.FOLLOWING, member__in=community.readers()
        )
        .exclude(member_id__in=told)
        .select_related("member")
    )
    for subscription in followers:
        notify(
            member=subscription.member,
            kind="reply",
            url=url,
            message=f"replied to “{thread.title}”",
            by=author,
        )

    return post


def subscription_set(*, thread: Thread, member: User, state: str | None) -> None:
    if state is None:
        ThreadSubscription.objects.filter(thread=thread, member=member).delete()
        return
    ThreadSubscription.objects.update_or_create(
        thread=thread, member=member, defaults={"state": state}
    )


def answer_mark(*, thread: Thread, post: Post, member: User, moderator: bool) -> None:
    opening = thread.posts.order_by("created_at", "id").values_list("pk", flat=True).first()
    if post.thread_id != thread.pk or post.state != Post.State.VISIBLE or post.pk == opening:
        raise CommunityError("That reply cannot be the answer.")
    if member.pk != thread.author_id and not moderator:
        raise CommunityError("Only whoever asked, or a moderator, can mark the answer.")
    thread.answer = None if thread.answer_id == post.pk else post
    thread.save(update_fields=["answer"])


def thread_moderate(
    *, thread: Thread, moderator: User, pinned: bool | None = None, locked: bool | None = None
) -> None:
    where = f"{thread.community.name}: “{thread.title}”"
    # Only the field that changes, and only if it does: a pin and a lock at the same moment must
    # both stick, and a second click on "Lock" is no second decision for the audit log.
    if pinned is not None and Thread.objects.filter(pk=thread.pk, pinned=not pinned).update(
        pinned=pinned
    ):
        action = Action.THREAD_PINNED if pinned else Action.THREAD_UNPINNED
        audit_record(actor=moderator, action=action, member=thread.author, detail=where)
    if locked is not None and Thread.objects.filter(pk=thread.pk, locked=not locked).update(
        locked=locked
    ):
        action = Action.THREAD_LOCKED if locked else Action.THREAD_UNLOCKED
        audit_record(actor=moderator, action=action, member=thread.author, detail=where)


@transaction.atomic
def post_moderate(*, post: Post, moderator: User, state: str) -> None:
    # The thread row first, as a reply does: its search text is rebuilt below.
    Thread.objects.select_for_update().filter(pk=post.thread_id).first()
    # As it is now: another moderator may have acted since the page was read.
    post = Post.objects.select_for_update().select_related("thread__community").get(pk=post.pk)
    if post.state == Post.State.REMOVED:
        raise CommunityError("A removed post cannot be brought back.")
    if post.state != state:
        post.state = state
        post.save(update_fields=["state"])
        audit_record(
            actor=moderator,
            action={
                Post.State.HIDDEN: Action.POST_HIDDEN,
                Post.State.REMOVED: Action.POST_REMOVED,
                Post.State.VISIBLE: Action.POST_RESTORED,
            }[state],
            member=post.author,
            detail=f"{post.thread.community.name}: “{post.thread.title}”",
        )
    if post.thread.answer_id == post.pk and state != Post.State.VISIBLE:
        Thread.objects.filter(pk=post.thread_id).update(answer=None)
    # A hidden or removed post's words no longer find the thread.
    threads_index(Thread.objects.filter(pk=post.thread_id))
    # Whatever reports there were, a moderator has now acted on the post.
    Report.objects.filter(post=post, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolved_by=moderator
    )


@transaction.atomic
def report_create(*, post: Post, reporter: User, reason: str) -> Report:
    reason = reason.strip()
    if not reason:
        raise CommunityError("Say what is wrong with this post.")
    try:
        with transaction.atomic():
            report = Report.objects.create(post=post, reporter=reporter, reason=reason)
    except IntegrityError:
        raise CommunityError("You have already reported this post.") from None
    community = post.thread.community
    for moderator in _moderators(community):
        notify(
            member=moderator,
            kind="report",
            url=f"/communities/{community.slug}/reports/",
            message=f"A post in “{post.thread.title}” was reported",
        )
    return report


def report_dismiss(*, report: Report, moderator: User) -> None:
    dismissed = Report.objects.filter(pk=report.pk, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolved_by=moderator
    )
    if dismissed:
        thread = report.post.thread
        audit_record(
            actor=moderator,
            action=Action.REPORT_DISMISSED,
            member=report.post.author,
            detail=f"{thread.community.name}: “{thread.title}”",
        )


# --- digests --------------------------------------------------------------------------------


def digest_collect(*, membership_id: int) -> tuple[str, bool]:
    """The posts the member has not been e-mailed yet, up to DIGEST_BATCH, into the outbox.

    The window of posts is claimed on the membership with a conditional update, and its e-mail
    written, in one transaction: a parallel or repeated run finds the window taken, so no post
    is e-mailed twice. An empty window is claimed too, so the sweep stops asking about it.
    Answers what was done, and whether more posts wait for the next e-mail.
    """
    membership = (
        Membership.objects.select_related("community", "member").filter(pk=membership_id).first()
    )
    if membership is None or membership.digest == Membership.Digest.NONE:
        return "no digest wanted", False
    after, until = membership.digest_sent_until, timezone.now() - COMMIT_MARGIN
    if until <= after:
        return "nothing new", False
    posted = list(
        digest_posts(membership, after=after, until=until).values_list("created_at", flat=True)[
            : DIGEST_BATCH + 1
        ]
    )
    more = len(posted) > DIGEST_BATCH
    if more:
        posted = posted[:DIGEST_BATCH]
        until = posted[-1]
    with transaction.atomic():
        claimed = Membership.objects.filter(pk=membership_id, digest_sent_until=after).update(
            digest_sent_until=until
        )
        if not claimed:
            return "already sent", False
        if not posted:
            return "nothing new", False
        outbox.enqueue(
            DIGEST_EMAIL,
            about_id=membership_id,
            recipient=membership.member_id,
            context={
                "after": after.isoformat(),
                "until": until.isoformat(),
                "digest": membership.digest,
            },
        )
    return f"queued {len(posted)}", more


def each_post_readers(*, community: Community, author: User) -> QuerySet[Membership]:
    """The memberships told of every post in the community, but for its author's own."""
    return Membership.objects.filter(community=community, digest=Membership.Digest.EACH).exclude(
        member=author
    )


def digests_waiting(frequency: str) -> QuerySet[Membership]:
    """Memberships with this digest whose community has had news since their last e-mail."""
    return Membership.objects.filter(
        digest=frequency,
        community__last_activity_at__gt=F("digest_sent_until"),
        member__is_active=True,
    )


def digest_posts(membership: Membership, *, after, until) -> QuerySet[Post]:
    """Posts the member has not been sent: visible, by others, in threads they have not muted."""
    muted = ThreadSubscription.objects.filter(
        member=membership.member, state=ThreadSubscription.State.MUTED
    ).values("thread_id")
    return (
        Post.objects.visible_to(membership.member)
        .readable()
        .filter(
            thread__community=membership.community,
            created_at__gt=after,
            created_at__lte=until,
        )
        .exclude(author=membership.member)
        .exclude(thread_id__in=muted)
        .select_related("thread__community", "author")
        .order_by("created_at", "id")
    )
