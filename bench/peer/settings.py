"""django-jwt-allauth 1.5.1 as ``jwt-allauth startproject`` writes it, with production settings.

Apps, middleware, user model, adapter, backends and DRF authentication are those its
``startproject`` adds to ``django-admin startproject``'s settings; its URLs are included under
``/jwt-allauth/`` as ``startproject`` does. Three deliberate choices, for a like-for-like run:

- HS256 with a dedicated secret (``JWT_ALLAUTH_SECRET_KEY``), the library's own default and the
  project's and the anchor's algorithm (``startproject`` generates an RS256 key pair instead);
- ``JWT_ALLAUTH_ACCESS_TOKEN_SESSION_CHECK`` from the environment (``PEER_SESSION_CHECK``): on,
  a logged-out session's access token is refused at once (one indexed query per request), as the
  project's is; off, access tokens are verified without the database (the library's default);
- the throttle rates high enough never to throttle, as on the other sides (DRF's ``user`` rate,
  which the refresh view's ``UserRateThrottle`` requires, in the cache ``startproject`` leaves,
  Django's per-process memory cache).

Production settings as the anchor's: DEBUG off, persistent connections with health checks (it
has no retry of a read on a dead connection), SQLite in WAL mode. The Django migrations of
``jwt_allauth`` are made at set-up, as its documentation says (``makemigrations jwt_allauth``),
into ``PEER_MIGRATIONS``.
"""

import os
from datetime import timedelta

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
    "jwt_allauth",
    "rest_framework",
    "rest_framework.authtoken",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
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

ROOT_URLCONF = "bench.peer.urls"
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
DATABASES = stock_databases("peer")

USE_TZ = True
TIME_ZONE = "UTC"
STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# What ``jwt-allauth startproject`` appends.
AUTH_USER_MODEL = "jwt_allauth.JAUser"
ACCOUNT_ADAPTER = "jwt_allauth.adapter.JWTAllAuthAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
AUTHENTICATION_BACKENDS = (
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ("jwt_allauth.authentication.JWTAllAuthAuthentication",),
    "DEFAULT_THROTTLE_RATES": {"user": "100000000/min", "anon": "100000000/min"},
}
# bench/run.py sets ACCESS_TOKEN_LIFETIME for every side, so seeded access tokens outlive the run.
JWT_ALLAUTH_ACCESS_TOKEN_LIFETIME = timedelta(
    seconds=int(os.environ.get("ACCESS_TOKEN_LIFETIME") or 1800)
)
JWT_ALLAUTH_REFRESH_TOKEN_LIFETIME = timedelta(days=14)
JWT_ALLAUTH_SECRET_KEY = os.environ["ACCESS_SIGNING_KEY"]
JWT_ALLAUTH_ACCESS_TOKEN_SESSION_CHECK = os.environ.get("PEER_SESSION_CHECK") == "1"

MIGRATION_MODULES = {"jwt_allauth": "peer_migrations.jwt_allauth"}

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
