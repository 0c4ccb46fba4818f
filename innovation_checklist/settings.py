"""
Settings for the Key Actions for Innovation service.

One module for every environment. Each value that differs between a laptop and
production comes from an environment variable with a safe development default:
SQLite, console email and DEBUG off unless asked for. `.env.example` lists them all.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_noop

from innovation_checklist import logs

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "The SECRET_KEY environment variable is not set. Set SECRET_KEY to a long random "
            "string (or set DEBUG=true for local development only)."
        )
    SECRET_KEY = "development-only-insecure-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# The service's public address, scheme and host only. Every link in an email is built from it,
# never from the request that happened to send the email, so email can be sent from a
# background task and a forged Host header cannot put another site's address in a link.
# `check --deploy` refuses anything but an https:// address (assessments/checks.py).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Marked so that the Welsh catalogue holds it: every place that shows it reads
# gettext(settings.SERVICE_NAME), the name in the page's language.
SERVICE_NAME = gettext_noop("Key Actions for Innovation")

# A group's figures are shown only once this many members have submitted, so that nobody's
# individual answers can be read off them.
GROUP_MIN_RESPONSES = int(os.environ.get("GROUP_MIN_RESPONSES", "3"))

INSTALLED_APPS = [
    # Two-factor for officers and admins: authenticator-app codes and recovery codes
    # (assessments/two_factor.py). Before `assessments`, whose admin removes their admin pages.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "assessments",
    # Content in English and Welsh (assessments/translation.py); before the admin, which it patches.
    "modeltranslation",
    # Django's admin, with an index in admins' words (innovation_checklist/admin_site.py).
    "innovation_checklist.admin_site.ServiceAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_forms_gds",
    "axes",
    "django_tasks_db",
    "simple_history",
]
# Content history is for reading: a version with answers must never change, and going back on
# a draft is just editing it (assessments/admin/history.py also refuses the revert page).
SIMPLE_HISTORY_REVERT_DISABLED = True

# Content (areas, key actions, quotes, answer options, a version's texts) has an English and a
# Welsh column per field (`title_en_gb`, `title_cy`); `obj.title` reads the active language's.
# A draft with a Welsh gap still shows the English; publishing refuses the gap
# (assessments/versioning.py).
MODELTRANSLATION_DEFAULT_LANGUAGE = "en-gb"
MODELTRANSLATION_LANGUAGES = ("en-gb", "cy")
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en-gb",)

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before whitenoise, so that static files get the header too.
    "assessments.middleware.permissions_policy",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The page's language is its address's: English unprefixed, Welsh under /cy/.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session gave a two-factor code (django-otp's
    # middleware, checked only when asked: assessments.two_factor).
    "assessments.two_factor.LazyOTPMiddleware",
    # An officer whose council requires two-factor is sent to set it up first.
    "assessments.two_factor.setup_required",
    # A person's language is the language of the pages they use: kept on their account (for
    # their emails) and, for everyone, in the language cookie; a Welsh browser starts in Welsh.
    "assessments.middleware.language_remembered",
    # Every page needs sign-in unless its view is marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Every response to a signed-in person is never cached: it may show their answers.
    "assessments.middleware.private_pages_never_cached",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Content history records who made each edit in admin (django-simple-history).
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so that it can turn a locked-out sign-in into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "innovation_checklist.urls"

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
                "innovation_checklist.context_processors.service",
                "assessments.permissions.roles",
            ],
        },
    },
]

WSGI_APPLICATION = "innovation_checklist.wsgi.application"

# SQLite by default; PostgreSQL (or anything dj-database-url understands) through DATABASE_URL.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# SQLite under gunicorn means several processes writing one file. WAL lets reads go on while
# one process writes; IMMEDIATE transactions take the write lock at BEGIN, so two writers queue
# (for up to `timeout` seconds) instead of one failing with "database is locked" halfway
# through; synchronous=NORMAL is safe with WAL and saves a disk flush per commit.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {**SQLITE_OPTIONS, **DATABASES["default"].get("OPTIONS", {})}

# Work that can wait (every email, PDF warming, reminders) is a task (`django.tasks`), stored in
# the database we already run by django-tasks-db, so there is no broker to run: a task is
# enqueued in the same database as the change that asked for it, and `manage.py db_worker`
# (started by scripts/serve beside the web server; in production, beside gunicorn) runs it.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# The cache holds rendered PDFs and rate-limit counters. Several app servers must share it (a PDF
# rendered on one is then a hit on every other, and a limit counts a client's requests to all of
# them), so production sets REDIS_URL (redis://host:6379/0). Without it each process keeps its own
# in-memory cache: fine for one development server. Redis being down is a miss, never an error
# (assessments.cache): with these short socket timeouts, and no new try for 5 seconds after a
# failure, an unreachable Redis costs each process a fraction of a second now and then.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "assessments.cache.FailSoftRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "innovation",
            "OPTIONS": {"socket_connect_timeout": 0.3, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Rate limits on requests that send email, so that one client cannot burn the mail quota or fill
# someone's inbox (assessments.ratelimits; README, "Deploying"). Each is "count/period", the
# period in s, m, h or d ("5/h", "20/15m"); every POST counts, and a request over any of its
# limits gets the "Too many requests" page (429).
RATE_LIMIT_PASSWORD_RESET_PER_EMAIL = os.environ.get("RATE_LIMIT_PASSWORD_RESET_PER_EMAIL", "5/h")
RATE_LIMIT_PASSWORD_RESET_PER_ADDRESS = os.environ.get(
    "RATE_LIMIT_PASSWORD_RESET_PER_ADDRESS", "20/h"
)
# Sign-in links count like password resets: per address asked for and per client address.
RATE_LIMIT_SIGN_IN_LINK_PER_EMAIL = os.environ.get("RATE_LIMIT_SIGN_IN_LINK_PER_EMAIL", "5/h")
RATE_LIMIT_SIGN_IN_LINK_PER_ADDRESS = os.environ.get("RATE_LIMIT_SIGN_IN_LINK_PER_ADDRESS", "20/h")
# Single invitations, "Send again" and list invitations count together; a list of 500 lines is
# one request.
RATE_LIMIT_INVITATIONS_PER_ACCOUNT = os.environ.get("RATE_LIMIT_INVITATIONS_PER_ACCOUNT", "100/h")
RATE_LIMIT_INVITATIONS_PER_ADDRESS = os.environ.get("RATE_LIMIT_INVITATIONS_PER_ADDRESS", "300/h")
# When the cache cannot count (Redis down), requests are let through: see assessments.ratelimits.
RATELIMIT_FAIL_OPEN = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "assessments.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
# English and Welsh, each named in its own language (the language switch's labels).
LANGUAGES = [("en-gb", "English"), ("cy", "Cymraeg")]
TIME_ZONE = "Europe/London"
USE_I18N = True
# The service's own catalogues (Welsh): `.po` files committed, compiled by scripts/setup.
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

CRISPY_ALLOWED_TEMPLATE_PACKS = ["gds"]
CRISPY_TEMPLATE_PACK = "gds"

# HTTPS hardening: on by default whenever DEBUG is off, so production needs no extra switch.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Load balancers poll the health check over plain HTTP, inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
# `preload` asks browsers' built-in lists to hold the domain to HTTPS for good, and is hard to
# undo, so it is sent only when the deploy asks for it (and the domain has been submitted).
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD")
# The deploy check's warning that preload is off (security.W021): off is the chosen default.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Browser features the service never uses are switched off for every page and for any frame in
# it (assessments.middleware.permissions_policy). GOV.UK Frontend needs none of them: its
# components use no camera, microphone, location, sensors, payments, full screen or clipboard.
# Only features Chromium recognises are listed (checked on Chromium 156): it warns in the console
# about any other.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "clipboard-read",
        "clipboard-write",
        "compute-pressure",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "gamepad",
        "geolocation",
        "gyroscope",
        "hid",
        "identity-credentials-get",
        "idle-detection",
        "interest-cohort",
        "local-fonts",
        "magnetometer",
        "microphone",
        "midi",
        "otp-credentials",
        "payment",
        "picture-in-picture",
        "publickey-credentials-create",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "speaker-selection",
        "usb",
        "window-management",
        "xr-spatial-tracking",
    )
}

# --- Security hardening: cookies, sessions, Content-Security-Policy ------------------------
# Secure cookies whenever DEBUG is off. A `__Host-` name makes the browser insist on Secure,
# Path=/ and no Domain, so no other subdomain can set or overwrite them; but browsers reject a
# `__Host-` cookie that is not Secure, so development over plain HTTP keeps the plain names.
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_NAME = "__Host-sessionid" if SESSION_COOKIE_SECURE else "sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken" if CSRF_COOKIE_SECURE else "csrftoken"
# A session ends when the browser closes, and in any case 8 hours after it last changed (signing
# in changes it), so a council PC left signed in does not stay signed in overnight.
SESSION_COOKIE_AGE = 8 * 60 * 60
# The language cookie (assessments.middleware.language_remembered) says only which language a
# visitor last used; it is still sent over HTTPS only, and never read by scripts.
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Everything comes from our own origin: no inline scripts or styles (the templates have none),
# no plugins, no <base>, no framing, forms post only to us; images may also be `data:` URLs (small
# inline icons). On in development too, so a template that breaks it shows up at once.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# Data retention: the `purge` command deletes accounts, assessments and invitations older than
# this many days (6 years by default). See assessments/management/commands/purge.py.
DATA_RETENTION_DAYS = int(os.environ.get("DATA_RETENTION_DAYS", "2190"))

# --- Accounts, sign-in throttling and email ----------------------------------------------
LOGIN_URL = "assessments:sign_in"
# Sign in with a council's OpenID Connect provider (assessments.sso; README, "Council sign-in").
# Each council's client secret comes from OIDC_CLIENT_SECRET_<COUNCIL SLUG> (upper case, "-" as
# "_"), never the database. Discovery documents and signing keys are cached for
# OIDC_DISCOVERY_CACHE_SECONDS; OIDC_TIMEOUT_SECONDS bounds each call to a provider.
OIDC_CLIENT_SECRET_PREFIX = "OIDC_CLIENT_SECRET_"
OIDC_CLIENT_SECRETS = {
    name.removeprefix(OIDC_CLIENT_SECRET_PREFIX).lower().replace("_", "-"): value
    for name, value in os.environ.items()
    if name.startswith(OIDC_CLIENT_SECRET_PREFIX) and value
}
OIDC_DISCOVERY_CACHE_SECONDS = int(os.environ.get("OIDC_DISCOVERY_CACHE_SECONDS", "3600"))
OIDC_TIMEOUT_SECONDS = float(os.environ.get("OIDC_TIMEOUT_SECONDS", "5"))
# Clock difference allowed when checking an ID token's `exp` and `iat`.
OIDC_LEEWAY_SECONDS = int(os.environ.get("OIDC_LEEWAY_SECONDS", "60"))

LOGIN_REDIRECT_URL = "assessments:dashboard"
LOGOUT_REDIRECT_URL = "assessments:start"

AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses a locked-out sign-in before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Two-factor (django-otp): the name authenticator apps show beside the code, and the pause
# after each wrong code (1 s, 2 s, 4 s ... doubling; django-otp's throttling).
OTP_TOTP_ISSUER = SERVICE_NAME
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# django-otp's device pages in admin never show a secret or QR code; two-factor is reset with
# the accounts' "Reset two-factor" action.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# A link in an invitation email works once, for this many days.
INVITATION_EXPIRY_DAYS = 7
# A councillor's emailed sign-in link works once, for this many minutes.
SIGN_IN_LINK_EXPIRY_MINUTES = int(os.environ.get("SIGN_IN_LINK_EXPIRY_MINUTES", "15"))
# Password-reset links expire sooner than invitations: they are asked for on the spot.
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24

# django-axes, with its database handler so that every app server sees the same failures.
# The rule (README, "Deploying"; `views.accounts.locked_out` words it for the person):
# - Per client: AXES_FAILURE_LIMIT failures from one IP address, for any accounts, within
#   AXES_COOLOFF_TIME pause sign-in from that address, so one address cannot try many accounts.
# - Per account: the same number of failures for one email address, from any addresses, pause
#   sign-in to that account, so many addresses cannot keep guessing one password: at most
#   AXES_FAILURE_LIMIT guesses per AXES_COOLOFF_TIME, wherever they come from.
# - A pause lasts AXES_COOLOFF_TIME from the last failure counted, and attempts refused during
#   it are not counted, so nobody can stretch it by carrying on: the person is locked out for
#   at most that long, and resetting their password ends the pause on their account at once.
# - A successful sign-in forgets the account's failures and its address's.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_USERNAME_FORM_FIELD = "email"
# The account an attempt is for, lower-cased, from our form's "email" or the admin's "username".
AXES_USERNAME_CALLABLE = "assessments.views.accounts.attempted_account"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "assessments.views.accounts.locked_out"  # a plain-English page, status 429
# Behind proxies, the environment's AXES_IPWARE_PROXY_COUNT is the number of proxies between
# the internet and gunicorn (README, "Deploying"). Without it every client would be counted as
# the proxy's own address, and one client's failures would lock everybody out. axes reads the
# client from X-Forwarded-For through django-ipware (the `ipware` extra, over python-ipware),
# which counts only the proxies *listed in* the header: the nearest proxy is REMOTE_ADDR, not
# an entry, so its count is one less. Each proxy appends the address it was connected from, so
# the client is that many entries from the right; non-strict, so that entries a client put in
# the header itself (left of those) are ignored rather than making the whole header unreadable.
if os.environ.get("AXES_IPWARE_PROXY_COUNT"):
    PROXIES_IN_FRONT = int(os.environ["AXES_IPWARE_PROXY_COUNT"])
    if PROXIES_IN_FRONT < 1:
        raise ImproperlyConfigured("AXES_IPWARE_PROXY_COUNT is the number of proxies: 1 or more")
    AXES_IPWARE_PROXY_COUNT = PROXIES_IN_FRONT - 1
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    IPWARE_STRICT = False

# Email goes to the console until EMAIL_HOST names an SMTP server. Django 6.1 configures mail
# through MAILERS (the EMAIL_HOST-style settings are deprecated and may not sit beside it), so the
# familiar environment variable names are read into the SMTP mailer's options here.
email_host = os.environ.get("EMAIL_HOST", "")
if email_host:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": email_host,
                "port": int(os.environ.get("EMAIL_PORT", "587")),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", True),
                "timeout": 10,
            },
        }
    }
else:
    # `check --deploy` reports this (mail.E001): production must set EMAIL_HOST.
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "Key Actions for Innovation <noreply@localhost>"
)

# Every email is sent by a task (assessments/emails.py), never in a page's request. A message
# the mail server could not take is tried again after each of these delays in turn (1 min, 5 min,
# 30 min, 2 h, 6 h), then given up; a permanent refusal (no such address) gives up at once.
EMAIL_RETRY_DELAYS = [
    timedelta(seconds=int(seconds))
    for seconds in env_list("EMAIL_RETRY_DELAYS", "60,300,1800,7200,21600")
]

# GOV.UK Notify instead of SMTP when NOTIFY_API_KEY is set: each purpose is a template made in
# the council's Notify account, with the personalisation fields the README lists.
# `check --deploy` refuses Notify with any template id missing.
NOTIFY_API_KEY = os.environ.get("NOTIFY_API_KEY", "")
NOTIFY_BASE_URL = os.environ.get("NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk")
NOTIFY_PURPOSES = [
    "invitation",
    "password_reset",
    "completion_reminder",
    "step_reminder",
    "group_added",
    "group_reminder",
    "sign_in_link",
]
NOTIFY_TEMPLATES = {
    purpose: os.environ.get(f"NOTIFY_TEMPLATE_{purpose.upper()}", "") for purpose in NOTIFY_PURPOSES
}
# The same purposes' templates in Welsh (NOTIFY_TEMPLATE_INVITATION_CY, ...): a Notify template
# holds its words, so a Welsh message needs a Welsh template. `check --deploy` warns while one is
# missing (that purpose's Welsh messages would go out with the English template).
NOTIFY_TEMPLATES_WELSH = {
    purpose: os.environ.get(f"NOTIFY_TEMPLATE_{purpose.upper()}_CY", "")
    for purpose in NOTIFY_PURPOSES
}
if NOTIFY_API_KEY and not email_host:
    # With Notify, Django's mailer is never used, so its console default is no deploy error.
    SILENCED_SYSTEM_CHECKS.append("mail.E001")

# A download that finds its report's PDF being rendered elsewhere (the warming task, another
# server) waits up to this many seconds for it, instead of rendering the same PDF beside it.
REPORT_PDF_WAIT = float(os.environ.get("REPORT_PDF_WAIT", "10"))

# One JSON object per log line (innovation_checklist/logs.py): what log collectors and searches
# read, with the security log's fields as keys of their own. LOG_FORMAT=text gives plain lines,
# the default with DEBUG on, where a person reads the terminal. Either way the token of an
# invitation or password-reset link is taken out of every line.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"app": logs.formatter_config(LOG_FORMAT)},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "app"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Sign-ins, failures, lock-outs, refusals and downloads (assessments.audit): always kept,
    # whatever LOG_LEVEL says.
    # django-axes's own INFO lines repeat the security log's sign-ins, with the full path, the
    # token of an invitation link included; its lock-out warnings stay.
    "loggers": {
        "security": {"level": "INFO"},
        "axes": {"level": "WARNING"},
        # WeasyPrint logs every step of every PDF at INFO.
        "weasyprint": {"level": "WARNING"},
        # runserver's request lines, through the same handler (Django gives them their own).
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# Error reports to Sentry (or a compatible service) when SENTRY_DSN is set. Nothing personal
# goes with them: no cookies, no user, no request body and no local variables of the stack
# (where answers, notes, passwords and tokens are), and the tokens out of URLs and messages
# (innovation_checklist/logs.py).
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
        release=os.environ.get("SENTRY_RELEASE") or None,
        integrations=[DjangoIntegration()],
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
        before_send=logs.scrub_sentry_event,
        # Errors only: performance tracing is off unless asked for.
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")),
    )
