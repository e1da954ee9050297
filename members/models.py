import secrets
from importlib import import_module

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialApp
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchVectorField
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.db.models import Exists, OuterRef
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from base.fields import SingleLineCharField
from base.typos import typo_keys

FORMER_MEMBER = "A former member"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("A member needs an e-mail address.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        if not (extra_fields["is_staff"] and extra_fields["is_superuser"]):
            raise ValueError("A superuser must be staff and superuser.")
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    """A person with an account: they sign in with their e-mail address, never a username."""

    email = models.EmailField("e-mail address", max_length=254, unique=True)
    name = SingleLineCharField("full name", max_length=150)
    is_staff = models.BooleanField(
        "admin", default=False, help_text="May sign in to the admin and grant roles."
    )
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    # Set when a member closes their account: personal data is gone, contributions stay.
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Part of what signs the member's private feed addresses (members.services.feed_key_for):
    # raised when they ask for new ones, so the old addresses stop working.
    feed_generation = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        verbose_name = "member"
        constraints = [
            # Two accounts for Ann@… and ann@… would be one person locked out of the other.
            models.UniqueConstraint(Lower("email"), name="member_email_unique_any_case"),
        ]
        indexes = [
            # Typo-tolerant name search in the directory (trigram similarity).
            GinIndex(OpClass(Lower("name"), name="gin_trgm_ops"), name="member_name_trigram"),
            # Names found despite a typo or two (base/typos.py).
            GinIndex(typo_keys(Lower("name")), name="member_name_typos"),
            # The directory lists by name: a page is read in name order, not sorted from all.
            models.Index(fields=["name"], name="member_name"),
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.erased_at:
            return FORMER_MEMBER
        return self.name or self.email.split("@")[0]

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.display_name.split()[0]


class Region(models.TextChoices):
    """The NHS regional planning areas, plus bodies that work across Scotland."""

    NORTH = "north", "North"
    EAST = "east", "East"
    WEST = "west", "West"
    NATIONAL = "national", "National"


class Organisation(models.Model):
    class Kind(models.TextChoices):
        HEALTH_BOARD = "health_board", "Health board"
        PARTNERSHIP = "partnership", "Health and social care partnership"
        COUNCIL = "council", "Council"
        THIRD_SECTOR = "third_sector", "Third sector"
        INDEPENDENT_SECTOR = "independent_sector", "Independent sector"
        ACADEMIC = "academic", "Academic"
        NATIONAL_BODY = "national_body", "National body"

    name = SingleLineCharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    kind = models.CharField("type", max_length=32, choices=Kind.choices)
    region = models.CharField(max_length=16, choices=Region.choices)
    health_board_area = SingleLineCharField(max_length=100, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Topic(models.Model):
    """A term of the shared improvement vocabulary: expertise, community topics, resource topics."""

    name = SingleLineCharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Sector(models.TextChoices):
    NHS = "nhs", "NHS"
    LOCAL_AUTHORITY = "local_authority", "Local authority and social work"
    THIRD_SECTOR = "third_sector", "Third sector"
    INDEPENDENT_SECTOR = "independent_sector", "Independent sector"
    ACADEMIC = "academic", "Academic"
    GOVERNMENT = "government", "Scottish Government and national bodies"


def bulletin_token() -> str:
    return secrets.token_urlsafe(32)


class ProfileQuerySet(models.QuerySet):
    def of_members(self) -> "ProfileQuerySet":
        """Profiles of the network's members: confirmed e-mail address, account open. Someone who
        has not confirmed their address is not a member yet; a closed account is no one."""
        return self.filter(
            Exists(EmailAddress.objects.filter(user=OuterRef("member"), verified=True)),
            member__is_active=True,
            member__erased_at__isnull=True,
        )

    def visible_to(self, viewer) -> "ProfileQuerySet":
        """The profiles the viewer may open, and so the people they may see named: members see
        every member; visitors only those who chose to be seen by anyone."""
        profiles = self.of_members()
        if not viewer.is_authenticated:
            profiles = profiles.filter(visibility=Profile.Visibility.PUBLIC)
        return profiles


class Profile(models.Model):
    """What a member tells the network about themselves: the directory and profile page read it."""

    class EmailVisibility(models.TextChoices):
        MEMBERS = "members", "Signed-in members"
        NOBODY = "nobody", "Nobody"

    class Visibility(models.TextChoices):
        MEMBERS = "members", "Signed-in members only"
        PUBLIC = "public", "Anyone, including visitors who are not signed in"

    member = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    slug = models.SlugField(max_length=180, unique=True)
    job_title = SingleLineCharField(max_length=150, blank=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="profiles"
    )
    sector = models.CharField(max_length=32, choices=Sector.choices, blank=True)
    region = models.CharField(max_length=16, choices=Region.choices, blank=True)
    locality = SingleLineCharField(
        max_length=100, blank=True, help_text="The town, area or locality you work in."
    )
    bio = models.TextField("about me", max_length=3000, blank=True)
    expertise = models.ManyToManyField(Topic, blank=True, related_name="experts")
    expertise_tags = ArrayField(
        models.CharField(max_length=60), default=list, blank=True, verbose_name="other expertise"
    )
    interests = models.ManyToManyField(Topic, blank=True, related_name="interested_members")
    links = ArrayField(models.URLField(max_length=300), default=list, blank=True, size=5)
    photo = models.ImageField(upload_to="photos/", blank=True)
    open_to_mentoring = models.BooleanField(default=False)
    looking_for_mentor = models.BooleanField(default=False)

    email_visibility = models.CharField(
        max_length=16, choices=EmailVisibility.choices, default=EmailVisibility.MEMBERS
    )
    visibility = models.CharField(
        "who can see my profile",
        max_length=16,
        choices=Visibility.choices,
        default=Visibility.MEMBERS,
    )
    show_events = models.BooleanField("show the events I will attend on my profile", default=True)
    email_notifications = models.BooleanField(
        "e-mail me when something needs my attention", default=True
    )
    receives_bulletin = models.BooleanField("send me the eBulletin", default=False)
    # The secret in every bulletin's unsubscribe link: it works without signing in (RFC 8058).
    bulletin_token = models.CharField(
        max_length=64, unique=True, default=bulletin_token, editable=False
    )

    # Maintained by members.services.profile_index(); weighted name, role and expertise first.
    search_vector = SearchVectorField(null=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProfileQuerySet.as_manager()

    class Meta:
        indexes = [
            GinIndex(fields=["search_vector"], name="profile_search_gin"),
            # The directory's usual narrowing: its count is then read from the index alone,
            # not from the wide profile rows (bios, search text) of the whole network.
            models.Index(fields=["region", "member"], name="profile_region_member"),
        ]

    def __str__(self):
        return f"Profile of {self.member}"

    def get_absolute_url(self):
        return reverse("members:profile", args=[self.slug])


class Notification(models.Model):
    """Something the network tells one member: listed on their page, e-mailed if they allow it
    (the e-mail is the outbox's: base.Email of kind "members.notification")."""

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    # Whoever caused it, when a person did.
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The message leads with the actor's name, read when it is shown (Notification.text), so a
    # member who renames themselves or closes their account is never named by an old one.
    actor_named = models.BooleanField(default=False)
    kind = models.CharField(max_length=40)
    message = SingleLineCharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    # The role it was sent to (services.notify_role): shown only while the role counts, so a
    # coordinator who has not shown a second factor does not read what waits for review.
    role = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread",
            ),
        ]

    def __str__(self):
        return self.text

    @property
    def text(self) -> str:
        """What the member reads (select `actor` when listing many)."""
        if not self.actor_named:
            return self.message
        name = self.actor.display_name if self.actor_id else FORMER_MEMBER
        return f"{name} {self.message}"


class MemberSession(AbstractBaseSession):
    """A signed-in browser, with the member it belongs to: closing an account ends every one of
    them at once, rather than leaving their rows until they expire (members.sessions)."""

    member_id = models.BigIntegerField(null=True, db_index=True)

    class Meta:
        verbose_name = "session"

    @classmethod
    def get_session_store_class(cls):
        # The engine the settings name (members.sessions), found as Django's middleware finds
        # it: the store knows its rows, the rows need not know their store.
        return import_module(settings.SESSION_ENGINE).SessionStore


class OrganisationProvider(SocialApp):
    """An organisation's OpenID Connect provider added in the admin (members.admin); its domains
    and organisation are kept in the app's settings, as for those of SSO_PROVIDERS."""

    class Meta:
        proxy = True
        verbose_name = "organisation sign-in"
        verbose_name_plural = "organisation sign-ins"
