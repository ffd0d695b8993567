"""Django settings, read from the environment (see docs/configuration.md and .env.example)."""

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import dj_database_url
import dj_email_url
from django.core.exceptions import ImproperlyConfigured

from config import embedded_redis, prometheus
from tokens.conf import DEFAULTS as TOKEN_DEFAULTS

BASE_DIR = Path(__file__).resolve().parent.parent
# The embedded Redis, the signing keys and the metrics keep their files here.
VAR_DIR = Path(os.environ.get("VAR_DIR", "") or BASE_DIR / "var")


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    if value.strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if value.strip().lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name} must be a whole number of seconds, not {value!r}"
        ) from None
    if number < 0:
        raise ImproperlyConfigured(f"{name} must not be negative, not {value!r}")
    return number


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def social_providers() -> dict[str, dict]:
    """``SOCIAL_PROVIDERS`` (ids, comma separated) and each one's ``SOCIAL_<ID>_*`` variables, as
    ``TOKENS["SOCIAL_PROVIDERS"]`` takes them; a variable left unset is left out (the preset's).
    """
    providers = {}
    for provider_id in env_list("SOCIAL_PROVIDERS", ""):
        prefix = f"SOCIAL_{provider_id.upper().replace('-', '_')}_"
        config: dict = {}
        for key in ("CLIENT_ID", "CLIENT_SECRET", "ISSUER", "NAME", "SCOPES", "TEAM_ID", "KEY_ID"):
            if os.environ.get(prefix + key, "").strip():
                config[key.lower()] = os.environ[prefix + key].strip()
        if os.environ.get(prefix + "PRIVATE_KEY", "").strip():
            config["private_key"] = os.environ[prefix + "PRIVATE_KEY"].replace("\\n", "\n")
        if os.environ.get(prefix + "TRUST_EMAIL", "").strip():
            config["trust_email"] = env_bool(prefix + "TRUST_EMAIL", False)
        if os.environ.get(prefix + "AUDIENCES", "").strip():
            config["audiences"] = env_list(prefix + "AUDIENCES", "")
        providers[provider_id.lower()] = config
    return providers


DEBUG = env_bool("DEBUG", False)

# The test runners (``manage.py test`` and pytest) get a fast password hasher.
TESTING = sys.argv[1:2] == ["test"] or "PYTEST_VERSION" in os.environ

# prometheus-client's multiprocess mode is chosen when it is first imported: the directory comes
# first.
# A test run gets a directory of its own, which its subprocesses inherit and which goes with it.
if TESTING and prometheus.VARIABLE not in os.environ:
    os.environ[prometheus.VARIABLE] = tempfile.mkdtemp(prefix="test-metrics-")
    atexit.register(shutil.rmtree, os.environ[prometheus.VARIABLE], True)
PROMETHEUS_MULTIPROC_DIR = prometheus.multiprocess_dir(VAR_DIR)


def required_secret(name: str, dev_value: str) -> str:
    """Return a secret from the environment; only DEBUG and tests may fall back to a dev value."""
    value = os.environ.get(name, "")
    if value:
        return value
    if DEBUG or TESTING:
        return dev_value
    raise ImproperlyConfigured(
        f"{name} is not set. It is required when DEBUG is off; "
        f"set it in the environment (see .env.example) or set DEBUG=1 for development."
    )


SECRET_KEY = required_secret("SECRET_KEY", "dev-only-secret-key-not-for-production-use-0123456789")
# HS256 (a shared secret) or an asymmetric algorithm whose public keys /.well-known/jwks.json
# publishes.
ACCESS_ALGORITHM = os.environ.get("ACCESS_ALGORITHM", "") or TOKEN_DEFAULTS["ACCESS_ALGORITHM"]
if ACCESS_ALGORITHM not in {"HS256", "RS256", "ES256", "EdDSA"}:
    raise ImproperlyConfigured(
        f"ACCESS_ALGORITHM must be HS256, RS256, ES256 or EdDSA, not {ACCESS_ALGORITHM!r}"
    )
ACCESS_SIGNING_KEY = (
    required_secret(
        "ACCESS_SIGNING_KEY",
        "dev-only-access-signing-key-not-for-production-use-0123456789abcdef0123",
    )
    if ACCESS_ALGORITHM == "HS256"
    else os.environ.get("ACCESS_SIGNING_KEY", "")
)
REFRESH_SIGNING_KEY = required_secret(
    "REFRESH_SIGNING_KEY", "dev-only-refresh-signing-key-not-for-production-use-0123456789abcdef012"
)
if ACCESS_SIGNING_KEY == REFRESH_SIGNING_KEY:
    raise ImproperlyConfigured(
        "ACCESS_SIGNING_KEY and REFRESH_SIGNING_KEY are equal: they must differ, "
        "so that a token of one type never verifies as the other."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accounts",
    "tokens",
    "tokens.mfa",
    "tokens.lifecycle",
    "tokens.social",
]

MIDDLEWARE = [
    "tokens.operations.request_ids.RequestIdMiddleware",
    # Before SecurityMiddleware: plain HTTP under /api/ answers 403 https_required, not a redirect.
    "tokens.browser.https.HttpsRequiredMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language of every answer (API details, the browsable API, the admin) from the language
    # cookie or Accept-Language: Django's LocaleMiddleware's choice, at a fraction of its cost.
    "tokens.languages.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Ends a Django (admin) session idle or signed in for too long (ADMIN_SESSION_IDLE, _ABSOLUTE).
    "tokens.admin_sessions.AdminSessionTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
            ],
        },
    },
]

# SQLite in the project unless DATABASE_URL names another database.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        # Off: Django's check costs a round trip (SELECT 1) on every request's first query. A read
        # whose connection died (a backend killed, a restart) is tried once more on a new one
        # (tokens.core.database.retry_read), and a write answers 503 having decided nothing.
        # DATABASE_CONN_HEALTH_CHECKS=1 buys the check back for code that has no such retry.
        conn_health_checks=env_bool("DATABASE_CONN_HEALTH_CHECKS", False),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so that a server started by a test in another process sees the test data.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
    # Django's backend, with writers queued by the kernel rather than by SQLite's sleeps.
    DATABASES["default"]["ENGINE"] = "config.sqlite3"
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        # Write-ahead log: readers never wait for the writer (and vice versa), as production wants.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        # A transaction takes the write lock when it begins, so two racing refreshes queue for it
        # instead of failing when a read would have to become a write.
        "transaction_mode": "IMMEDIATE",
    }

# Redis: REDIS_URL, or the embedded server (started here once, shared by every process).
REDIS_URL = os.environ.get("REDIS_URL", "")
if not REDIS_URL:
    _socket = embedded_redis.ensure_running(VAR_DIR)
    # The test runners use their own database number so a test run never touches dev data.
    REDIS_URL = f"unix://{_socket}?db={15 if TESTING else 0}"

# Short timeouts: an unreachable or hanging Redis must be noticed within about a second.
REDIS_SOCKET_TIMEOUT = float(os.environ.get("REDIS_SOCKET_TIMEOUT", "0.5"))

CACHES: dict[str, dict[str, Any]] = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "cache",
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
            "SOCKET_CONNECT_TIMEOUT": REDIS_SOCKET_TIMEOUT,
            "SOCKET_TIMEOUT": REDIS_SOCKET_TIMEOUT,
        },
    }
}
# django-redis's default, written out: Django closes every cache at the end of each request, and
# django-redis reads this setting there; a setting not defined costs LazySettings an exception
# per read, about 1 % of an authenticated read (docs/benchmarks.md). Connections stay open.
DJANGO_REDIS_CLOSE_CONNECTION = False
# REDIS_URL names one node of a Redis Cluster: django-redis then connects through redis-py's
# RedisCluster.
if env_bool("REDIS_CLUSTER", False):
    CACHES["default"]["OPTIONS"]["CONNECTION_FACTORY"] = (
        "config.redis_cluster.ClusterConnectionFactory"
    )

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.UsernameOrEmailBackend"]

PASSWORD_HASHERS = [
    # Argon2id with OWASP's parameters; older hashes (Django's Argon2 defaults, PBKDF2) are
    # upgraded to it at login.
    "accounts.hashers.Argon2idPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    # No rule on the kinds of characters (OWASP ASVS 5.0 V6.2.5): a long password of digits alone
    # is as good as any; common ones are refused above. The site's own words are refused here.
    {"NAME": "tokens.context_words.ContextWordsValidator"},
    # Have I Been Pwned by k-anonymity (BREACHED_PASSWORDS_URL below; tokens.passwords).
    {"NAME": "tokens.passwords.BreachedPasswordValidator"},
]

# English, and Simplified Chinese where Accept-Language asks for it; each app's catalogue lives in
# its own locale/ folder (docs/configuration.md, "Languages").
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
# The catalogues of the project's own templates (templates/: the account and demo pages, the
# admin's index, the browsable API's frame) and settings (config/, the admin's titles), which
# belong to no app.
LOCALE_PATHS = [BASE_DIR / "templates" / "locale", BASE_DIR / "config" / "locale"]
# The account page's language switch (Django's set_language) keeps the choice in this cookie,
# ahead of Accept-Language; script may read it, nothing else about it is secret.
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Production hardening (python manage.py check --deploy). Each can be turned off from the
# environment, e.g. SECURE_SSL_REDIRECT=0 behind a proxy that already redirects.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not (DEBUG or TESTING))
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = not DEBUG
# Seconds the Django (admin) session cookie lives after the session was last saved; the tokens app
# ends the session itself sooner (TOKENS ADMIN_SESSION_IDLE and ADMIN_SESSION_ABSOLUTE).
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 1209600)
CSRF_COOKIE_SECURE = not DEBUG
# Secure cookies on path "/" carry the __Host- prefix: a sibling subdomain can then neither set nor
# shadow them (RFC 6265bis 4.1.3.2). Plain HTTP in development could not keep such cookies.
SESSION_COOKIE_NAME = "sessionid" if DEBUG else "__Host-sessionid"
CSRF_COOKIE_NAME = "csrftoken" if DEBUG else "__Host-csrftoken"
# The admin's notices ("3 sessions revoked") wait in its Django session, the only place that shows
# them, never in a cookie of their own: that cookie could not carry the __Host- prefix, and
# Django's default storage builds a cookie signer on every request to look for it, API calls
# included (3.5 % of an authenticated read's instructions, docs/benchmarks.md).
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
# Load balancers and orchestrators probe over plain HTTP, often by address: never redirect the
# probes.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")


def email_settings(url: str) -> dict[str, Any]:
    """Django's EMAIL_* settings from one URL (dj-email-url), e.g. ``smtp://127.0.0.1:1025``."""
    try:
        parsed = dj_email_url.parse(url)
    except ValueError as error:
        raise ImproperlyConfigured(f"EMAIL_URL is not a valid mail URL: {error}") from None
    if "EMAIL_BACKEND" not in parsed:
        raise ImproperlyConfigured(
            f"EMAIL_URL must start with smtp://, submission://, console:, file://, memory: or "
            f"dummy:, not {url.split(':')[0]!r}"
        )
    # A mail server that accepts the connection and then hangs must not hold a request for long.
    parsed["EMAIL_TIMEOUT"] = parsed["EMAIL_TIMEOUT"] or 10
    return {name: value for name, value in parsed.items() if value is not None}


# Mail (sign-up, password reset, security notices): one URL; unset, mails are printed to the
# console, so `make run` shows them. The test runners replace the backend by Django's locmem one.
EMAIL_URL = os.environ.get("EMAIL_URL", "") or "console:"
_email = email_settings(EMAIL_URL)
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _email.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email["EMAIL_USE_TLS"]
EMAIL_USE_SSL = _email["EMAIL_USE_SSL"]
EMAIL_TIMEOUT = _email["EMAIL_TIMEOUT"]
EMAIL_FILE_PATH = _email["EMAIL_FILE_PATH"]
DEFAULT_FROM_EMAIL = (
    os.environ.get("DEFAULT_FROM_EMAIL", "")
    or _email.get("DEFAULT_FROM_EMAIL")
    or "webmaster@localhost"
)

EMAIL_VERIFICATION = (
    os.environ.get("EMAIL_VERIFICATION", "") or TOKEN_DEFAULTS["EMAIL_VERIFICATION"]
)
if EMAIL_VERIFICATION not in {"mandatory", "optional", "none"}:
    raise ImproperlyConfigured(
        f"EMAIL_VERIFICATION must be mandatory, optional or none, not {EMAIL_VERIFICATION!r}"
    )

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["tokens.authentication.AccessTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "EXCEPTION_HANDLER": "tokens.handlers.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "tokens.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # The client address of rate limits is REMOTE_ADDR, or the one this many proxies in front saw
    # (from X-Forwarded-For); DRF's default, the whole header, would let a client pick its own.
    "NUM_PROXIES": env_int("NUM_PROXIES", 0),
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}

# The project's name, in its pages (the OpenAPI document's title too), the admin and every mail;
# the tokens app reads it through tokens.conf.token_settings.
SITE_NAME = os.environ.get("SITE_NAME", "").strip() or TOKEN_DEFAULTS["SITE_NAME"]

# OpenAPI at /api/schema/, Swagger UI at /api/docs/ with its assets served from here (no CDN).
SPECTACULAR_SETTINGS = {
    "TITLE": SITE_NAME,
    "DESCRIPTION": "Access and refresh tokens, rotation, revocation (RFC 7009) and introspection "
    "(RFC 7662). Over plain HTTP while the server wants HTTPS (SECURE_SSL_REDIRECT), every "
    "operation answers 403 https_required instead of a redirect.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_AUTHENTICATION": [],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": True},
    "COMPONENT_SPLIT_REQUEST": True,
    # The auth endpoints first, grouped by task (Swagger UI shows the groups in this order).
    "TAGS": [
        {"name": "Login", "description": "Log in (password, second factor, passkey), refresh."},
        {"name": "Sessions", "description": "The user's sessions: list them, end one, end all."},
        {"name": "Account", "description": "The signed-in user's profile, password and address."},
        {"name": "Sign-up and recovery", "description": "Sign up, verify, reset a password."},
        {"name": "Second factors", "description": "TOTP, recovery codes and passkeys."},
        {"name": "Social login", "description": "Log in or link through an outside provider."},
        {"name": "Token services", "description": "RFC 7009, RFC 7662 and the public keys."},
        {"name": "Operations", "description": "Health, readiness, metrics, the endpoints' index."},
    ],
}

# The tokens app reads every one of these through tokens.conf.token_settings.
# Defaults come from the app (tokens.conf.DEFAULTS), written there once.
TOKENS = {
    "ACCESS_SIGNING_KEY": ACCESS_SIGNING_KEY,
    "REFRESH_SIGNING_KEY": REFRESH_SIGNING_KEY,
    "ACCESS_TOKEN_LIFETIME": env_int(
        "ACCESS_TOKEN_LIFETIME", TOKEN_DEFAULTS["ACCESS_TOKEN_LIFETIME"]
    ),
    "REFRESH_TOKEN_LIFETIME": env_int(
        "REFRESH_TOKEN_LIFETIME", TOKEN_DEFAULTS["REFRESH_TOKEN_LIFETIME"]
    ),
    "SESSION_LIFETIME": env_int("SESSION_LIFETIME", TOKEN_DEFAULTS["SESSION_LIFETIME"]),
    "ROTATION_GRACE_PERIOD": env_int(
        "ROTATION_GRACE_PERIOD", TOKEN_DEFAULTS["ROTATION_GRACE_PERIOD"]
    ),
    "ACCESS_ALGORITHM": ACCESS_ALGORITHM,
    "ACCESS_PRIVATE_KEY": os.environ.get("ACCESS_PRIVATE_KEY", "").replace("\\n", "\n"),
    "SIGNING_KEYS_DIR": os.environ.get("SIGNING_KEYS_DIR", "") or str(VAR_DIR / "signing-keys"),
    "COOKIE_TRANSPORT": env_bool("COOKIE_TRANSPORT", TOKEN_DEFAULTS["COOKIE_TRANSPORT"]),
    "LOCAL_SESSION_COPY": env_bool("LOCAL_SESSION_COPY", TOKEN_DEFAULTS["LOCAL_SESSION_COPY"]),
    "LOCAL_SESSION_COPY_SIZE": env_int(
        "LOCAL_SESSION_COPY_SIZE", TOKEN_DEFAULTS["LOCAL_SESSION_COPY_SIZE"]
    ),
    # Over plain HTTP in development the cookies could not be sent back otherwise.
    "COOKIE_SECURE": not DEBUG,
    # DEVICE_BINDING is the variable's name before its release; it is read when TOKEN_BINDING is
    # unset.
    "TOKEN_BINDING": env_bool(
        "TOKEN_BINDING", env_bool("DEVICE_BINDING", TOKEN_DEFAULTS["TOKEN_BINDING"])
    ),
    "THROTTLE_RATES": {
        scope: os.environ.get(f"THROTTLE_{scope.upper()}", rate)
        for scope, rate in TOKEN_DEFAULTS["THROTTLE_RATES"].items()
    },
    "LOGIN_FAILURE_DELAY": env_int("LOGIN_FAILURE_DELAY", TOKEN_DEFAULTS["LOGIN_FAILURE_DELAY"]),
    "LOGIN_FAILURE_MAX_DELAY": env_int(
        "LOGIN_FAILURE_MAX_DELAY", TOKEN_DEFAULTS["LOGIN_FAILURE_MAX_DELAY"]
    ),
    "AUTH_EVENT_RETENTION_DAYS": env_int(
        "AUTH_EVENT_RETENTION_DAYS", TOKEN_DEFAULTS["AUTH_EVENT_RETENTION_DAYS"]
    ),
    "METRICS_ACCESS": os.environ.get("METRICS_ACCESS", "") or TOKEN_DEFAULTS["METRICS_ACCESS"],
    "METRICS_BEARER_TOKEN": os.environ.get("METRICS_BEARER_TOKEN", ""),
    "EMAIL_VERIFICATION": EMAIL_VERIFICATION,
    "SITE_URL": os.environ.get("SITE_URL", "") or TOKEN_DEFAULTS["SITE_URL"],
    "EMAIL_VERIFY_URL": os.environ.get("EMAIL_VERIFY_URL", "")
    or TOKEN_DEFAULTS["EMAIL_VERIFY_URL"],
    "PASSWORD_RESET_URL": (
        os.environ.get("PASSWORD_RESET_URL", "") or TOKEN_DEFAULTS["PASSWORD_RESET_URL"]
    ),
    "EMAIL_VERIFICATION_KEY_LIFETIME": env_int(
        "EMAIL_VERIFICATION_KEY_LIFETIME", TOKEN_DEFAULTS["EMAIL_VERIFICATION_KEY_LIFETIME"]
    ),
    "PASSWORD_RESET_KEY_LIFETIME": env_int(
        "PASSWORD_RESET_KEY_LIFETIME", TOKEN_DEFAULTS["PASSWORD_RESET_KEY_LIFETIME"]
    ),
    "REAUTHENTICATION_WINDOW": env_int(
        "REAUTHENTICATION_WINDOW", TOKEN_DEFAULTS["REAUTHENTICATION_WINDOW"]
    ),
    "ADMIN_SESSION_IDLE": env_int("ADMIN_SESSION_IDLE", TOKEN_DEFAULTS["ADMIN_SESSION_IDLE"]),
    "ADMIN_SESSION_ABSOLUTE": env_int(
        "ADMIN_SESSION_ABSOLUTE", TOKEN_DEFAULTS["ADMIN_SESSION_ABSOLUTE"]
    ),
    # The iss and aud claims of every token (TOKEN_ prefixed: SOCIAL_X_ISSUER and TOTP_ISSUER are
    # other issuers); unset: none.
    "ISSUER": os.environ.get("TOKEN_ISSUER", "") or TOKEN_DEFAULTS["ISSUER"],
    "AUDIENCE": os.environ.get("TOKEN_AUDIENCE", "") or TOKEN_DEFAULTS["AUDIENCE"],
    "PASSKEY_RP_ID": os.environ.get("PASSKEY_RP_ID", "") or TOKEN_DEFAULTS["PASSKEY_RP_ID"],
    "PASSKEY_ORIGINS": env_list("PASSKEY_ORIGINS", ""),
    # The test runners send mail in the request's thread, so mail.outbox is filled when a request
    # returns; the tests of the pool turn it on.
    "MAIL_THREADS": env_int("MAIL_THREADS", 0 if TESTING else TOKEN_DEFAULTS["MAIL_THREADS"]),
    "MAIL_ATTEMPTS": env_int("MAIL_ATTEMPTS", TOKEN_DEFAULTS["MAIL_ATTEMPTS"]),
    "NEW_DEVICE_MAIL": env_bool("NEW_DEVICE_MAIL", TOKEN_DEFAULTS["NEW_DEVICE_MAIL"]),
    "SOCIAL_PROVIDERS": social_providers(),
    "SOCIAL_REDIRECT_URLS": env_list("SOCIAL_REDIRECT_URLS", ""),
    "SOCIAL_SIGNUP": env_bool("SOCIAL_SIGNUP", TOKEN_DEFAULTS["SOCIAL_SIGNUP"]),
    # Set but empty turns the check off. A test run never asks the internet: its default is off,
    # and a test that checks passwords names a range server of its own.
    "BREACHED_PASSWORDS_URL": os.environ.get(
        "BREACHED_PASSWORDS_URL", "" if TESTING else TOKEN_DEFAULTS["BREACHED_PASSWORDS_URL"]
    ),
    # none, staff or all; the system check tokens.E018 refuses anything else.
    "MFA_REQUIRED": os.environ.get("MFA_REQUIRED", "") or TOKEN_DEFAULTS["MFA_REQUIRED"],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "tokens.operations.logs.JSONFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "filters": {"once": {"()": "tokens.operations.logs.OncePerRequest"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        # One line per auth event on stderr: JSON for a log pipeline, readable text under DEBUG.
        "events": {"class": "logging.StreamHandler", "formatter": "text" if DEBUG else "json"},
    },
    "loggers": {
        # A 4xx is one line: Django's warning, unless the auth event's line said it already.
        "django.request": {"filters": ["once"]},
        # The test runners keep their output for failures (tests capture this logger themselves).
        "tokens.events": {
            "handlers": ["events"],
            "propagate": False,
            "level": "WARNING" if TESTING else os.environ.get("AUTH_EVENT_LOG_LEVEL", "INFO"),
        },
        # The token store entering and leaving degraded mode (Redis unreachable), in the same form.
        "tokens.store": {
            "handlers": ["events"],
            "propagate": False,
            "level": "ERROR" if TESTING else "WARNING",
        },
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
