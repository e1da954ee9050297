from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


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
    name = models.CharField("full name", max_length=150)
    is_staff = models.BooleanField(
        "admin", default=False, help_text="May sign in to the admin and grant roles."
    )
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

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

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
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

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    kind = models.CharField("type", max_length=32, choices=Kind.choices)
    region = models.CharField(max_length=16, choices=Region.choices)
    health_board_area = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Topic(models.Model):
    """A term of the shared improvement vocabulary: expertise, community topics, resource topics."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Profile(models.Model):
    """What a member tells the network about themselves (the directory builds on it)."""

    member = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    job_title = models.CharField(max_length=150, blank=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="profiles"
    )
    region = models.CharField(max_length=16, choices=Region.choices, blank=True)
    expertise = models.ManyToManyField(Topic, blank=True, related_name="experts")
    open_to_mentoring = models.BooleanField(default=False)
    looking_for_mentor = models.BooleanField(default=False)

    def __str__(self):
        return f"Profile of {self.member}"
