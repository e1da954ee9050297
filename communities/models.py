import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from members.models import Region, Topic

INVITATION_LIFETIME = timedelta(days=14)


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

    name = models.CharField(max_length=120, unique=True)
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

    class Meta:
        verbose_name_plural = "communities"
        ordering = ["name"]
        indexes = [
            GinIndex(fields=["search_vector"], name="community_search_gin"),
            # Suggestions as a member types, forgiving slips (trigram similarity).
            GinIndex(OpClass(Lower("name"), name="gin_trgm_ops"), name="community_name_trigram"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("communities:detail", args=[self.slug])


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


class Thread(models.Model):
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="threads")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="threads"
    )
    title = models.CharField(max_length=200)
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
