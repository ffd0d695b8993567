"""django-allauth's headless API with its JWT token strategy and stateful validation.

``django-admin startproject``'s apps and middleware plus what allauth's headless installation
guide adds (``allauth``, ``allauth.account``, ``allauth.headless``, its middleware and
authentication backend, ``HEADLESS_ONLY``), and the JWT strategy as its documentation sets it up:

- ``HEADLESS_TOKEN_STRATEGY`` its ``JWTTokenStrategy``, RS256 (its default algorithm) with a
  2048-bit private key made fresh for each run (``HEADLESS_JWT_PRIVATE_KEY``, from
  ``ALLAUTH_JWT_PRIVATE_KEY``);
- ``HEADLESS_JWT_STATEFUL_VALIDATION_ENABLED``: an access token is accepted only while the
  Django session it names exists and still belongs to the token's user, so a logged-out session's
  access token is refused at once, as the project's is (off, its default, nothing it accepts can be
  revoked before it expires);
- sessions in Django's ``cached_db`` backend, the cache in Redis (the bench's Redis, a database
  of its own): a session is read from Redis and only a miss reaches the database, as the
  project's reads go to Redis first. The database cache would turn every session read back into a
  SQL query, which is what ``cached_db`` exists to avoid. The cache backend is the project's own
  cache client, django-redis, so that only allauth differs (Django's built-in ``RedisCache``
  also builds a new redis-py client, reply-callback table included, for every command).

Production settings as the other sides': DEBUG off, persistent connections with Django's health
check (no retry of a read on a dead connection), SQLite in WAL mode; allauth's rate limits off and
access tokens that outlive the run, as every side's. Django's default password hashers: login is
not measured here, only used to open the sessions.
"""

import os

# allauth 65.22.1 reaches cryptography through a lazy module proxy that resolves
# ``cryptography.hazmat.primitives.serialization`` (and ``ciphers``) as attributes, which exist
# only once those submodules were imported by someone; in a process where nothing had, its first
# RS256 key load fails with AttributeError. Importing them here, once per process, is the
# workaround; it changes nothing per request.
import cryptography.hazmat.primitives.asymmetric.rsa
import cryptography.hazmat.primitives.ciphers
import cryptography.hazmat.primitives.serialization  # noqa: F401

from bench.stock_database import stock_databases

SECRET_KEY = os.environ["SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "allauth.headless",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "bench.allauth_headless.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
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

# The same database settings as every stock side (bench/stock_database.py).
DATABASES = stock_databases("allauth")

SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": os.environ["REDIS_URL"],
    }
}

USE_TZ = True
TIME_ZONE = "UTC"
STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
ACCOUNT_RATE_LIMITS = False

HEADLESS_ONLY = True
HEADLESS_TOKEN_STRATEGY = "allauth.headless.tokens.strategies.jwt.JWTTokenStrategy"
HEADLESS_JWT_ALGORITHM = "RS256"
HEADLESS_JWT_PRIVATE_KEY = os.environ["ALLAUTH_JWT_PRIVATE_KEY"]
HEADLESS_JWT_STATEFUL_VALIDATION_ENABLED = True
# bench/run.py sets ACCESS_TOKEN_LIFETIME for every side, so seeded access tokens outlive the run.
HEADLESS_JWT_ACCESS_TOKEN_EXPIRES_IN = int(os.environ.get("ACCESS_TOKEN_LIFETIME") or 300)
