"""Settings for Collab Portal, driven by environment variables (12-factor).

With no variables set, the portal runs embedded: SQLite and a filesystem Celery broker under
``var/``, console email. ``DATABASE_URL`` and ``REDIS_URL`` switch to PostgreSQL and Redis.
``DJANGO_ENV=production`` refuses to start without a real secret key and turns on every
protection that ``manage.py check --deploy`` asks for.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

VAR_DIR = Path(env("VAR_DIR", default=str(BASE_DIR / "var")))
DJANGO_ENV = env("DJANGO_ENV", default="development")
PRODUCTION = DJANGO_ENV == "production"

DEVELOPMENT_SECRET_KEY = "django-insecure-collab-portal-embedded-run-only"
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
if PRODUCTION:
    if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure") or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured(
            "DJANGO_ENV=production needs DJANGO_SECRET_KEY: at least 50 random characters, "
            'e.g. python -c "import secrets; print(secrets.token_urlsafe(50))"'
        )
elif not SECRET_KEY:
    SECRET_KEY = DEVELOPMENT_SECRET_KEY

DEBUG = env.bool("DJANGO_DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=[] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]"]
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ENV=production needs DJANGO_ALLOWED_HOSTS.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "axes",
    "django_htmx",
    "django_fsm",
    "simple_history",
    "collab_portal.org",
    "collab_portal.notifications",
    "collab_portal.reminders",
    "collab_portal.dashboard",
    "collab_portal.activity",
    "collab_portal.signoffs",
    "collab_portal.documents",
    "cases",
    "requests_app",
    "tasks_app",
    "risks_app",
    "acceptance_app",
    "insights_app",
    "ops",
]

MIDDLEWARE = [
    # First, so that every answer at a one-time link's URL, whoever made it, is stored nowhere.
    "collab_portal.lib.secret_urls.SecretUrlHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "collab_portal.lib.language.PortalLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before the CSRF check and the sign-in redirect: OPTIONS, TRACE, PUT… are 405 everywhere.
    "collab_portal.lib.methods.UnservedMethodsMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "collab_portal.org.middleware.ReadOnceMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, so it turns the login view's refusal into the sign-in page with the lockout message.
    "axes.middleware.AxesMiddleware",
]

if PRODUCTION:
    # gunicorn serves the collected, hashed static files itself; runserver does in development.
    after_security = MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1
    MIDDLEWARE.insert(after_security, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "collab_portal.urls"
WSGI_APPLICATION = "collab_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "collab_portal.dashboard.context_processors.shell",
            ],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL names another (postgres://user@host:port/db).
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # The web server and the Celery worker write to the same file: wait, do not fail.
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not :memory:, so a Celery worker started by a test sees the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    # PostgreSQL's JIT compiles a plan that costs more than its threshold: for the dashboard's
    # aggregates over 100,000 tasks that took 1.4 s of compiling to save milliseconds.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.User"

AUTHENTICATION_BACKENDS = [
    # First: it refuses a locked-out username and IP before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "collab_portal.lib.passwords.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling (django-axes; collab_portal/org/sign_in_limits.py): after AXES_FAILURE_LIMIT
# wrong passwords for one username from one address, that pair is refused for
# AXES_COOLOFF_MINUTES; after AXES_ADDRESS_FAILURE_LIMIT failures from one address within
# AXES_ADDRESS_WINDOW_MINUTES, whatever the usernames, the whole address is refused until the
# oldest of them is older than the window. The sign-in page says which, and until when. An
# administrator unlocks earlier by deleting the entries under Admin › Axes › Access attempts
# (the account) and Access failures (the address).
SIGN_IN_ACCOUNT_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
SIGN_IN_ADDRESS_FAILURE_LIMIT = env.int("AXES_ADDRESS_FAILURE_LIMIT", default=20)
SIGN_IN_ADDRESS_WINDOW = timedelta(minutes=env.int("AXES_ADDRESS_WINDOW_MINUTES", default=60))
AXES_FAILURE_LIMIT = "collab_portal.org.sign_in_limits.failure_limit"
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # one row per failure: the address's count
AXES_LOCKOUT_CALLABLE = "collab_portal.org.sign_in_limits.lockout_response"
# Behind the HTTPS proxy every request comes from the proxy's address: with AXES_BEHIND_PROXY
# the client's is the last X-Forwarded-For entry, the one the proxy itself appended.
AXES_BEHIND_PROXY = env.bool("AXES_BEHIND_PROXY", default=False)


def _client_ip_address(request):
    from django.conf import settings  # at request time, so tests can override it

    if settings.AXES_BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").rsplit(",", 1)[-1].strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR")


AXES_CLIENT_IP_CALLABLE = _client_ip_address

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "login"

# Languages: Chinese first and default, English complete.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(VAR_DIR / "static")))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Email: console in the embedded run; smtp+tls://user:password@host:587 in production.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="沟通协作门户 <portal@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

PORTAL_COMPANY_NAME = env("PORTAL_COMPANY_NAME", default="")
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://127.0.0.1:8000")

# The cache keeps the dashboard's figures (a minute) and the KPIs (ten): shared by every web
# process when CACHE_URL names a Redis database, else each process keeps its own. A Redis that is
# down is a cache miss (collab_portal.lib.caching): refused at once, or after the one-second
# socket timeouts when it does not answer; the pages count their figures and say so.
CACHE_URL = env("CACHE_URL", default="")
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "collab",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }

# Celery: Redis when REDIS_URL is set, otherwise kombu's filesystem transport under var/.
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_DIR = VAR_DIR / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # Short socket timeouts: a dead Redis costs a web request about a second, never a hang.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "socket_connect_timeout": 1,
        "socket_timeout": 3,
        "retry_on_timeout": False,
        "max_retries": 1,
        "interval_start": 0,  # retry at once: kombu's default sleeps 2 s per publish in an outage
        "visibility_timeout": 3600,
    }
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "store_processed": False,
        "polling_interval": 0.1,  # the default 1 s takes a second per queued task
    }
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# How often beat runs the reminder relay; tests that start real processes shorten it.
REMINDER_RELAY_SECONDS = env.int("REMINDER_RELAY_SECONDS", default=60)
# How often beat sweeps the archive bundles left waiting; likewise shortened by tests.
ARCHIVE_BUNDLE_SWEEP_SECONDS = env.int("ARCHIVE_BUNDLE_SWEEP_SECONDS", default=60)
CELERY_BEAT_SCHEDULE = {
    "deliver-pending-notification-emails": {
        "task": "collab_portal.notifications.tasks.deliver_pending_notification_emails",
        "schedule": crontab(),  # every minute: picks up what a broker outage left behind
    },
    "deliver-pending-reminders": {
        "task": "collab_portal.reminders.tasks.deliver_reminders",
        # every minute, for the same reason
        "schedule": crontab() if REMINDER_RELAY_SECONDS == 60 else REMINDER_RELAY_SECONDS,
    },
    "sweep-reminder-rules": {
        "task": "collab_portal.reminders.tasks.sweep_reminders",
        "schedule": crontab(minute="*/5"),
    },
    "build-waiting-archive-bundles": {
        "task": "acceptance_app.tasks.build_waiting_archive_bundles",
        # every minute: what a broker outage or a dead worker left waiting
        "schedule": crontab()
        if ARCHIVE_BUNDLE_SWEEP_SECONDS == 60
        else ARCHIVE_BUNDLE_SWEEP_SECONDS,
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    # django.request logs the path of every 4xx: a one-time link's token must not be in it.
    "filters": {"hide_link_tokens": {"()": "collab_portal.lib.secret_urls.HideLinkTokens"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["hide_link_tokens"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # kombu's filesystem transport warns on every publish that it has no hostname.
        "kombu.connection": {"level": "ERROR"},
    },
}

# Content-Security-Policy in every environment, so the browser tests see what production sends:
# scripts only from the portal's own static files, never inline, never eval. Stylesheets likewise;
# only style="" attributes are allowed, for ECharts' tooltips (HTML it writes with inline styles)
# and the widths the templates compute (progress bars, WBS indents). No <style> element runs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
    }
}

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 3600)
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True

ADMIN_SITE_HEADER = _("Collab Portal administration")
SIMPLE_HISTORY_REVERT_DISABLED = True
