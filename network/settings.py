"""Settings for the improvement network, read from the environment.

Every value comes from one environment variable (see the configuration table in the README). A
malformed value stops start-up with ImproperlyConfigured naming the variable. With DEBUG off,
SECRET_KEY, DATABASE_URL and REDIS_URL are required; with DEBUG on and either URL unset, the
embedded development servers under .data/ are started or attached (network/devservers.py).
"""

from __future__ import annotations

import ipaddress
import os
import re
import urllib.parse
import warnings
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from base import sso_providers as provider_rules

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if raw == "":
        return default
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a yes/no value: use true or false.")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name, "").strip()
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name}={raw!r} must be at least {minimum}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [part.strip() for part in raw.split(",") if part.strip()]


def sso_providers(raw: str, *, allow_plain_http: bool = False) -> list[dict]:
    """The organisations' OpenID Connect providers, as allauth's apps, from SSO_PROVIDERS: a JSON
    list of {"id", "name", "server_url", "client_id", "secret", "domains", "organisation"}. The
    rules are the admin's too (base.sso_providers)."""
    try:
        return provider_rules.from_json(raw, allow_plain_http=allow_plain_http)
    except provider_rules.Invalid as problem:
        raise ImproperlyConfigured(f"SSO_PROVIDERS {problem}") from None


def parse_database_url(url: str) -> dict:
    try:
        database = dj_database_url.parse(url, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60))
    except Exception as error:  # dj-database-url raises bare ValueErrors and KeyErrors
        raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL ({error}).") from None
    if database.get("ENGINE") != "django.db.backends.postgresql" or not database.get("NAME"):
        raise ImproperlyConfigured(
            "DATABASE_URL must name a PostgreSQL database: postgres://user:password@host:5432/name"
        )
    database["CONN_HEALTH_CHECKS"] = True
    # Name search forgives a dropped or swapped letter ("Cambell"); PostgreSQL's default of 0.6
    # for trigram word similarity misses those. Set per connection so the GIN index still applies.
    options = database.setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c pg_trgm.word_similarity_threshold=0.5"
    # A database that does not answer gives the error page within seconds, not a hung request.
    options.setdefault("connect_timeout", 5)
    return database


def check_redis_url(url: str) -> str:
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in {"redis", "rediss", "unix"} or not (parsed.hostname or parsed.path):
        raise ImproperlyConfigured(
            "REDIS_URL must be a Redis URL: redis://host:6379/0, rediss://… or unix:///path/redis.sock"
        )
    return url


def celery_broker_url(redis_url: str) -> str:
    """Kombu spells a Unix socket redis+socket:// and the database virtual_host."""
    parsed = urllib.parse.urlsplit(redis_url)
    if parsed.scheme != "unix":
        return redis_url
    database = urllib.parse.parse_qs(parsed.query).get("db", ["0"])[0]
    return f"redis+socket://{parsed.path}?virtual_host={database}"


# --- core -----------------------------------------------------------------------------------

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY is required when DEBUG is off.")
    SECRET_KEY = "development-only-key-never-used-with-debug-off"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS is required when DEBUG is off (e.g. network.example.org)."
    )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
for origin in CSRF_TRUSTED_ORIGINS:
    if not origin.startswith(("http://", "https://")):
        raise ImproperlyConfigured(
            f"CSRF_TRUSTED_ORIGINS entry {origin!r} must start with https://"
        )

SITE_NAME = env_str("SITE_NAME", "Improvement Network")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
if not SITE_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(
        f"SITE_URL={SITE_URL!r} must start with https:// (or http:// locally)."
    )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.forms",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    # A second factor (an authenticator app and recovery codes): required of staff roles.
    "allauth.mfa",
    "django_filters",
    "django_htmx",
    # From the shared helpers at the bottom to the project at the top (docs/architecture.md).
    "base",
    "members",
    "communities",
    "events",
    "mentoring",
    "resources",
    "bulletins",
    "projects",
    "insights",
    "search",
    "network",
    # Demo and scale seeding, benchmarks and the development servers: never imported by what
    # serves members, installed for its management commands.
    "tooling",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Just below the account: staff roles wait for a second factor (members.second_factor).
    "network.middleware.SecondFactorMiddleware",
    # Below the session and the account, which it reads; static files never reach it.
    "network.middleware.PrivatePagesMiddleware",
    "network.middleware.NotFoundMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "network.urls"
WSGI_APPLICATION = "network.wsgi.application"
ASGI_APPLICATION = "network.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "network.context_processors.site",
            ],
        },
    },
]
FORM_RENDERER = "base.forms.NetworkFormRenderer"

# --- data: PostgreSQL and Redis (embedded in development when not named) ------------------

DATABASE_URL = env_str("DATABASE_URL")
REDIS_URL = env_str("REDIS_URL")
if not DEBUG and not (DATABASE_URL and REDIS_URL):
    raise ImproperlyConfigured(
        "DATABASE_URL and REDIS_URL are required when DEBUG is off; "
        "the embedded servers are for development only."
    )
if not (DATABASE_URL and REDIS_URL):
    from tooling import devservers

    _embedded = devservers.attach(database=not DATABASE_URL, cache=not REDIS_URL)
    DATABASE_URL = DATABASE_URL or _embedded["DATABASE_URL"]
    REDIS_URL = REDIS_URL or _embedded["REDIS_URL"]

DATABASES = {"default": parse_database_url(DATABASE_URL)}
REDIS_URL = check_redis_url(REDIS_URL)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": {
        # With Redis down, pages carry on: reads miss and writes are dropped (network/cache.py).
        "BACKEND": "base.cache.ForgivingRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "network",
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
}
# Database sessions that know their member, so closing an account ends every one of them.
SESSION_ENGINE = "members.sessions"

# --- Celery ---------------------------------------------------------------------------------

CELERY_BROKER_URL = celery_broker_url(REDIS_URL)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = False
# With the broker down, sending a task gives up within seconds rather than holding a member's
# request; Postgres keeps the work as pending and the sweeps below send it later.
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 0.5,
}
CELERY_TIMEZONE = "Europe/London"
# Later capabilities add their periodic tasks here; each one sweeps what Postgres says is pending.
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "outbox": {
        "task": "base.tasks.sweep_outbox",
        "schedule": 60.0,
    },
    "event-emails": {
        "task": "events.tasks.sweep_event_emails",
        "schedule": 300.0,
    },
    "mentoring-sweep": {
        "task": "mentoring.tasks.sweep_mentoring",
        "schedule": 3600.0,
    },
    "community-post-emails": {
        "task": "communities.tasks.collect_post_digests",
        "schedule": 300.0,
    },
    "bulletins": {
        "task": "bulletins.tasks.sweep_bulletins",
        "schedule": 60.0,
    },
    "search-words": {
        "task": "search.tasks.refresh_search_words",
        "schedule": 1800.0,
    },
    "insights-figures": {
        "task": "insights.tasks.refresh_figures",
        "schedule": 600.0,
    },
    "network-analysis": {
        "task": "insights.tasks.refresh_network_analysis",
        "schedule": 1200.0,
    },
    "expired-sessions": {
        "task": "members.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=15),
    },
    "community-daily-digests": {
        "task": "communities.tasks.collect_daily_digests",
        "schedule": crontab(hour=7, minute=0),
    },
    "community-weekly-digests": {
        "task": "communities.tasks.collect_weekly_digests",
        "schedule": crontab(hour=7, minute=30, day_of_week="monday"),
    },
}

# --- accounts (django-allauth) --------------------------------------------------------------

AUTH_USER_MODEL = "members.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_SESSION_REMEMBER = None
# Whether an address has an account is told only to that address, never to whoever typed it:
# sign-up with a taken address e-mails its owner ("you already have an account"), and a reset
# or a sign-in code for an unknown address e-mails it ("no account uses this address"). The
# visitor sees the same page either way. (allauth's default, said out loud.)
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
ACCOUNT_ADAPTER = "members.adapter.AccountAdapter"
ACCOUNT_FORMS = {
    "signup": "members.forms.SignupForm",
    "login": "members.forms.LoginForm",
    "reset_password": "members.forms.ResetPasswordForm",
    "request_login_code": "members.forms.RequestLoginCodeForm",
    "confirm_login_code": "members.forms.ConfirmLoginCodeForm",
    "reauthenticate": "members.forms.PasswordAgainForm",
    "confirm_reauthentication_code": "members.forms.ConfirmLoginCodeForm",
}
# Sign-in by a code e-mailed to the member: the way in when someone else's wrong passwords have
# locked the account (the limit below counts passwords only), or the password is not to hand.
# The code works once, in the browser that asked for it, for 10 minutes (the page and the
# e-mail say so; some NHS and council mail systems hold messages for a few minutes), and three
# wrong tries end it. Two new codes may be asked for on the same page.
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 10 * 60
ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS = 3
ACCOUNT_LOGIN_BY_CODE_SUPPORTS_RESEND = True
# Changing how one signs in (setting a password, an address, connecting or disconnecting an
# organisation account) first asks whoever is at the browser to show it is the member: their
# password, or a code e-mailed to their address (allauth's reauthentication, good for 5
# minutes). A colleague at a browser left signed in cannot make the account theirs.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
SOCIALACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_DEFAULT_HTTP_PROTOCOL = urllib.parse.urlsplit(SITE_URL).scheme
# allauth's own limits (login failures per address and per account, sign-ups, resets) are kept;
# they count in the Redis cache, so every web server sees the same counts.
LOGIN_FAILED_RATE_LIMIT = env_str("LOGIN_FAILED_RATE_LIMIT", "10/m/ip,5/5m/key")
if not all(
    re.fullmatch(r"\d+/\d*[smhd](/(ip|key|user))?", rate.strip())
    for rate in LOGIN_FAILED_RATE_LIMIT.split(",")
):
    raise ImproperlyConfigured(
        f"LOGIN_FAILED_RATE_LIMIT={LOGIN_FAILED_RATE_LIMIT!r} is not a list of limits "
        "such as 10/m/ip,5/5m/key."
    )
ACCOUNT_RATE_LIMITS = {"login_failed": LOGIN_FAILED_RATE_LIMIT}
# How many proxies in front of the web servers add X-Forwarded-For; without it, every visitor
# behind a proxy would share the proxy's address and one another's rate limits. The header is
# read only on requests from FORWARDED_ALLOW_IPS (members.adapter), so a client that reaches a
# web server directly cannot choose the address it is counted under.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
# A second factor (allauth.mfa): an authenticator app's codes or a security key (a passkey
# counts), with recovery codes for a lost phone or key. Admins, coordinators and curators must
# have one (members.second_factor); members may. Once a member has one, every sign-in asks for
# it.
MFA_ADAPTER = "members.adapter.SecondFactorAdapter"
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
# Security keys answer only to the site's own HTTPS address; development runs over plain HTTP
# (at localhost: keys refuse an IP address such as 127.0.0.1).
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
MFA_TOTP_ISSUER = SITE_NAME
# A phone's clock a few seconds out, or a code typed as it changes, still signs in: the codes
# of the step before and after count too (each code works once all the same).
MFA_TOTP_TOLERANCE = 1
MFA_FORMS = {
    "authenticate": "members.forms.SecondFactorForm",
    "reauthenticate": "members.forms.SecondFactorAgainForm",
    "activate_totp": "members.forms.ActivateAuthenticatorForm",
    "add_webauthn": "members.forms.AddSecurityKeyForm",
    "edit_webauthn": "members.forms.RenameSecurityKeyForm",
}

# Sign in with an organisation's account (OpenID Connect, such as Microsoft Entra ID): the
# providers of SSO_PROVIDERS here, others added by admins (members.admin). Each one's domains and
# organisation live in its app's settings, wherever it was configured (docs/sign-in.md).
# Plain HTTP only to a provider on this machine, with DEBUG on (make sso-demo).
SSO_PROVIDERS = sso_providers(env_str("SSO_PROVIDERS"), allow_plain_http=DEBUG)
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        "OAUTH_PKCE_ENABLED": True,
        "SCOPE": ["openid", "email", "profile"],
        "APPS": SSO_PROVIDERS,
    }
}
SOCIALACCOUNT_ADAPTER = "members.adapter.SocialAccountAdapter"
SOCIALACCOUNT_FORMS = {"signup": "members.forms.OrganisationSignupForm"}
# The member still confirms their name and privacy choices before the account is made.
SOCIALACCOUNT_AUTO_SIGNUP = False
# A provider's sign-in joins an existing account only when both sides have verified the address
# (members.adapter joins it; allauth's own matching by address stays off); anything else is
# refused.
SOCIALACCOUNT_REQUESTS_TIMEOUT = 10

# --- e-mail ---------------------------------------------------------------------------------

EMAIL_BACKEND = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
}.get(env_str("EMAIL_BACKEND", "console" if DEBUG else "smtp"))
if EMAIL_BACKEND is None:
    raise ImproperlyConfigured("EMAIL_BACKEND must be smtp or console.")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be true.")
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", f"{SITE_NAME} <no-reply@network.example.org>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The outbox (base.outbox), which sends every e-mail but the account ones: e-mails per Celery task,
# each batch over one SMTP connection.
OUTBOX_BATCH_SIZE = env_int("OUTBOX_BATCH_SIZE", 100, minimum=1)
# A claim with no sign of life for this long belongs to a worker that died; the sweep takes it
# over (what was never handed to the mail server is sent, what was is left in doubt).
OUTBOX_CLAIM_TIMEOUT = env_int("OUTBOX_CLAIM_TIMEOUT", 600, minimum=1)
# An e-mail due this long ago and still queued was lost with its queue message: queued again.
OUTBOX_LOST_AFTER = env_int("OUTBOX_LOST_AFTER", 300, minimum=1)
# The first wait after the mail server could not be reached; it doubles with each attempt.
OUTBOX_RETRY_SECONDS = env_int("OUTBOX_RETRY_SECONDS", 60, minimum=1)

# --- resources and eBulletins ---------------------------------------------------------------

# Opt-in by default: the sign-up form's eBulletin box starts unticked unless this is on.
BULLETIN_SUBSCRIBE_NEW_MEMBERS = env_bool("BULLETIN_SUBSCRIBE_NEW_MEMBERS", False)
# Members per send task when a bulletin goes out, each batch over one SMTP connection. Its
# copies are e-mails of the outbox: the outbox's own settings above apply to them otherwise
# (OUTBOX_BATCH_SIZE when the sweep or a retry queues them again).
BULLETIN_BATCH_SIZE = env_int("BULLETIN_BATCH_SIZE", 100, minimum=1)
# Uploaded files in the library; nginx (deploy/nginx.conf) allows bodies of 25 MB.
RESOURCE_MAX_UPLOAD_MB = env_int("RESOURCE_MAX_UPLOAD_MB", 20, minimum=1)
if RESOURCE_MAX_UPLOAD_MB > 24:
    raise ImproperlyConfigured(
        f"RESOURCE_MAX_UPLOAD_MB={RESOURCE_MAX_UPLOAD_MB} is more than nginx accepts (25 MB)."
    )
# Office and OpenDocument files are zip archives: every part of one, added up once unpacked, must
# fit in this, so a small upload cannot unpack to gigabytes in the worker that reads its words.
RESOURCE_MAX_UNPACKED_MB = env_int("RESOURCE_MAX_UNPACKED_MB", 100, minimum=1)

# --- security -------------------------------------------------------------------------------

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# The proxy's own addresses (or networks): only requests from them may say, in X-Forwarded-Proto,
# that the visitor came over HTTPS, and in X-Forwarded-For who the visitor is. gunicorn reads the
# same variable and sets the scheme Django sees; Django itself trusts no forwarded header, since
# any client can send one. Default: this machine only, gunicorn's own default.
FORWARDED_ALLOW_IPS = env_list("FORWARDED_ALLOW_IPS", ["127.0.0.1", "::1"])
try:
    TRUSTED_PROXY_NETWORKS = [
        ipaddress.ip_network(address, strict=False) for address in FORWARDED_ALLOW_IPS
    ]
except ValueError:
    raise ImproperlyConfigured(
        f"FORWARDED_ALLOW_IPS={','.join(FORWARDED_ALLOW_IPS)!r} must list the proxy's own "
        "addresses or networks, such as 10.77.0.10 (never *, which trusts every client)."
    ) from None
if os.environ.get("BEHIND_TLS_PROXY", "").strip():
    raise ImproperlyConfigured(
        "BEHIND_TLS_PROXY is no longer read: it trusted X-Forwarded-Proto from any client. Set "
        "FORWARDED_ALLOW_IPS to the proxy's own address instead."
    )
# /health/ is probed over plain HTTP from inside the cluster.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
# Scripts and styles only from the site's own static files: no inline script, no inline style,
# so text a member writes can never run even if it slipped past the sanitiser. Photos and files are
# served by the site's own views (permission checks), so nothing is needed beyond 'self'.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Browser features the site never uses are turned off for it and anything it might frame, so
# even a script that slipped in could not reach the camera, microphone, location or payments.
PERMISSIONS_POLICY = {
    # Security keys and passkeys, the second factor staff may choose: for the site itself only.
    "publickey-credentials-create": ["self"],
    "publickey-credentials-get": ["self"],
} | {
    feature: []
    for feature in [
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "clipboard-read",
        "display-capture",
        "encrypted-media",
        "gamepad",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "local-fonts",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "screen-wake-lock",
        "serial",
        "usb",
        "window-management",
        "xr-spatial-tracking",
    ]
}

# --- files: static (whitenoise) and uploads (local disk or S3-compatible storage) ----------

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
DESIGN_SYSTEM_DIR = BASE_DIR / "node_modules" / "@scottish-government" / "design-system" / "dist"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("sgds", DESIGN_SYSTEM_DIR),
    ("htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    # The door check-in page's camera scanner (its worker file sits beside it).
    ("qr-scanner", BASE_DIR / "node_modules" / "qr-scanner"),
]
if DEBUG:
    # Development serves static files straight from the finders; there is no collectstatic output.
    WHITENOISE_USE_FINDERS = True
    WHITENOISE_AUTOREFRESH = True
    warnings.filterwarnings("ignore", message="No directory at", module="whitenoise.base")
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / ".data" / "media")))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME")
if AWS_STORAGE_BUCKET_NAME:
    # Several web servers and workers share one set of uploads in an S3-compatible store.
    _uploads = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,
            "region_name": env_str("AWS_S3_REGION_NAME") or None,
            "access_key": env_str("AWS_ACCESS_KEY_ID") or None,
            "secret_key": env_str("AWS_SECRET_ACCESS_KEY") or None,
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 300,
            "file_overwrite": False,
        },
    }
else:
    _uploads = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _uploads,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}

# --- locale ---------------------------------------------------------------------------------

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(
        f"LOG_LEVEL={LOG_LEVEL!r} must be DEBUG, INFO, WARNING, ERROR or CRITICAL."
    )
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
