import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from base.fields import SingleLineCharField
from base.typos import typo_keys
from members.models import Region, Topic, User
from members.roles import is_admin, is_coordinator, own

INVITATION_LIFETIME = timedelta(days=14)


def _joined_by(viewer) -> models.QuerySet:
    # The viewer may be ANY_MEMBER, who belongs nowhere.
    return Membership.objects.filter(own("member_id", viewer)).values("community_id")


class CommunityQuerySet(models.QuerySet):
    """Who may know of a community, read its discussions, run it and host events in it: the
    one place these rules are written, for every page, list, search, feed, e-mail and figure."""

    def secret(self) -> "CommunityQuerySet":
        return self.filter(privacy=Community.Privacy.SECRET)

    def secret_from(self, viewer) -> "CommunityQuerySet":
        """Secret communities the viewer may not know exist: all of them but their own (none
        for admins). Their events, threads and names are hidden from the viewer too."""
        if is_admin(viewer):
            return self.none()
        return self.secret().exclude(pk__in=_joined_by(viewer))

    def joined_by(self, viewer) -> "CommunityQuerySet":
        """Communities the viewer belongs to (none for a visitor or ANY_MEMBER)."""
        return self.filter(pk__in=_joined_by(viewer))

    def visible_to(self, viewer) -> "CommunityQuerySet":
        """Communities the viewer may see listed and named: visitors the open ones; members also
        the closed ones and the secret ones they belong to; admins all."""
        if not viewer.is_authenticated:
            return self.filter(privacy=Community.Privacy.OPEN)
        # A subquery, not a join: a join on memberships would also narrow the member counts.
        return self.exclude(pk__in=Community.objects.secret_from(viewer).values("pk"))

    def readable_by(self, viewer) -> "CommunityQuerySet":
        """Communities whose discussions the viewer may read: an open community's for every
        signed-in member, another's for its own members (and admins)."""
        if not viewer.is_authenticated:
            return self.none()
        if is_admin(viewer):
            return self.all()
        return self.filter(Q(privacy=Community.Privacy.OPEN) | Q(pk__in=_joined_by(viewer)))

    def moderated_by(self, viewer) -> "CommunityQuerySet":
        if not viewer.is_authenticated:
            return self.none()
        if is_admin(viewer):
            return self.all()
        return self.filter(
            pk__in=Membership.objects.filter(
                own("member_id", viewer), role=Membership.Role.MODERATOR
            ).values("community_id")
        )

    def hostable_by(self, viewer) -> "CommunityQuerySet":
        """Communities the viewer may create an event for (they then organise and run it):
        coordinators those they may see, except secret ones, whose events their own moderators
        run (a coordinator need not know one exists); moderators their own communities; admins
        all. Events.objects.run_by says who runs the events already made."""
        moderated = Community.objects.moderated_by(viewer).values("pk")
        if is_coordinator(viewer):
            return self.exclude(pk__in=Community.objects.secret().exclude(pk__in=moderated))
        return self.filter(pk__in=moderated)


class Community(models.Model):
    class Privacy(models.TextChoices):
        OPEN = "open", "Open: anyone can join"
        CLOSED = "closed", "Closed: members ask to join and a moderator decides"
        SECRET = "secret", "Secret: hidden, by invitation only"

    class Level(models.TextChoices):
        LOCAL = "local", "Local"
        PARTNERSHIP = "partnership", "Partnership"
        REGIONAL = "regional", "Regional"
        NATIONAL = "national", "National"

    name = SingleLineCharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    purpose = models.TextField(
        "purpose statement",
        max_length=2000,
        help_text="What the community is for, in its members' words. Shown at the top of its page.",
    )
    topics = models.ManyToManyField(Topic, blank=True, related_name="communities")
    region = models.CharField(max_length=16, choices=Region.choices, blank=True)
    level = models.CharField(max_length=16, choices=Level.choices, default=Level.NATIONAL)
    privacy = models.CharField(max_length=16, choices=Privacy.choices, default=Privacy.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_activity_at = models.DateTimeField(default=timezone.now)
    # Maintained by communities.services.communities_index(): name first, then purpose.
    search_vector = SearchVectorField(null=True, editable=False)

    objects = CommunityQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "communities"
        ordering = ["name"]
        indexes = [
            GinIndex(fields=["search_vector"], name="community_search_gin"),
            # Suggestions as a member types, forgiving slips (trigram similarity).
            GinIndex(OpClass(Lower("name"), name="gin_trgm_ops"), name="community_name_trigram"),
            GinIndex(typo_keys(Lower("name")), name="community_name_typos"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("communities:detail", args=[self.slug])

    def readers(self) -> models.QuerySet[User]:
        """Who may read its discussions: readable_by seen from the community's side, for
        telling many people at once (tests/communities/test_visibility.py holds them equal)."""
        readers = User.objects.filter(is_active=True)
        if self.privacy == Community.Privacy.OPEN:
            return readers
        return readers.filter(
            Q(pk__in=self.memberships.values("member_id")) | Q(is_staff=True) | Q(is_superuser=True)
        )


class MembershipQuerySet(models.QuerySet):
    def visible_to(self, viewer) -> "MembershipQuerySet":
        """Who belongs where, as the viewer may know it: anyone may know who is in an open
        community; who is in another is for those who read its discussions."""
        public = Community.objects.visible_to(AnonymousUser())
        return self.filter(
            Q(community__in=public) | Q(community__in=Community.objects.readable_by(viewer))
        )


class Membership(models.Model):
    class Role(models.TextChoices):
        MEMBER = "member", "Member"
        MODERATOR = "moderator", "Moderator"

    class Digest(models.TextChoices):
        EACH = "each", "An e-mail for each new post"
        DAILY = "daily", "A daily digest"
        WEEKLY = "weekly", "A weekly digest"
        NONE = "none", "No e-mails"

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="memberships")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    digest = models.CharField(max_length=16, choices=Digest.choices, default=Digest.WEEKLY)
    joined_at = models.DateTimeField(default=timezone.now)
    # Posts up to this moment have been e-mailed (or were there before the member joined).
    digest_sent_until = models.DateTimeField(default=timezone.now)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["community", "member"], name="one_membership_each"),
        ]
        indexes = [models.Index(fields=["digest", "digest_sent_until"], name="membership_digest")]

    def __str__(self):
        return f"{self.member} in {self.community}"

    @property
    def is_moderator(self) -> bool:
        return self.role == self.Role.MODERATOR


class JoinRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a moderator"
        APPROVED = "approved", "Approved"
        REFUSED = "refused", "Refused"

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="join_requests")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="join_requests"
    )
    reason = models.TextField(max_length=1000)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    message = models.TextField("message to the member", max_length=1000, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "member"],
                condition=models.Q(status="pending"),
                name="one_pending_request_each",
            ),
        ]

    def __str__(self):
        return f"{self.member} asks to join {self.community}"


def invitation_token() -> str:
    return secrets.token_urlsafe(24)


def invitation_expiry():
    return timezone.now() + INVITATION_LIFETIME


class Invitation(models.Model):
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    token = models.CharField(max_length=64, unique=True, default=invitation_token)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(default=invitation_expiry)
    accepted_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Invitation to {self.community} for {self.email}"

    @property
    def is_usable(self) -> bool:
        return self.accepted_at is None and self.expires_at > timezone.now()


class ThreadQuerySet(models.QuerySet):
    def visible_to(self, viewer) -> "ThreadQuerySet":
        """Threads the viewer may read: those of the communities whose discussions they read."""
        return self.filter(community__in=Community.objects.readable_by(viewer))


class Thread(models.Model):
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="threads")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="threads"
    )
    title = SingleLineCharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    last_post_at = models.DateTimeField(default=timezone.now)
    post_count = models.PositiveIntegerField(default=0)
    pinned = models.BooleanField(default=False)
    locked = models.BooleanField(default=False)
    answer = models.ForeignKey(
        "Post", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Maintained by communities.services.threads_index(): the title, then every visible post.
    search_vector = SearchVectorField(null=True, editable=False)

    objects = ThreadQuerySet.as_manager()

    class Meta:
        ordering = ["-pinned", "-last_post_at"]
        indexes = [
            models.Index(fields=["community", "-pinned", "-last_post_at"], name="thread_listing"),
            GinIndex(fields=["search_vector"], name="thread_search_gin"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("communities:thread", args=[self.community.slug, self.pk])


class PostQuerySet(models.QuerySet):
    def visible_to(self, viewer) -> "PostQuerySet":
        """Posts in threads the viewer may read; one a moderator hid, only to the community's
        moderators. A removed post stays in its place, its words shown to nobody."""
        posts = self.filter(thread__in=Thread.objects.visible_to(viewer))
        if is_admin(viewer):
            return posts
        return posts.filter(
            ~Q(state=Post.State.HIDDEN)
            | Q(thread__community__in=Community.objects.moderated_by(viewer))
        )

    def readable(self) -> "PostQuerySet":
        """Of those, the ones whose words are read: for search, e-mails and figures."""
        return self.filter(state=Post.State.VISIBLE)


class Post(models.Model):
    class State(models.TextChoices):
        VISIBLE = "visible", "Visible"
        HIDDEN = "hidden", "Hidden by a moderator"
        REMOVED = "removed", "Removed by a moderator"

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="posts"
    )
    body = models.TextField(max_length=10000)
    # The body rendered once, at save, through the one sanitiser, with mentions linked.
    body_html = models.TextField(editable=False)
    mentions = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="mentioned_in"
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.VISIBLE)
    created_at = models.DateTimeField(default=timezone.now)

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["thread", "created_at"], name="post_in_thread")]

    def __str__(self):
        return f"Post {self.pk} in {self.thread}"


class ThreadSubscription(models.Model):
    class State(models.TextChoices):
        FOLLOWING = "following", "Following"
        MUTED = "muted", "Muted"

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="subscriptions")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="thread_subscriptions"
    )
    state = models.CharField(max_length=16, choices=State.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["thread", "member"], name="one_subscription_each"),
        ]

    def __str__(self):
        return f"{self.member} {self.state} {self.thread}"


class Report(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="post_reports"
    )
    reason = models.TextField(max_length=1000)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["post", "reporter"],
                condition=models.Q(resolved_at__isnull=True),
                name="one_open_report_each",
            ),
        ]

    def __str__(self):
        return f"Report on {self.post}"
