"""Stock simplejwt: TokenObtainPairView and TokenRefreshView, rotation and blacklist on.

Middleware and apps are those of ``django-admin startproject`` plus DRF and simplejwt.
The hasher is Django's Argon2 at its default parameters, the project's own before it moved to
OWASP's cheaper Argon2id (accounts/hashers.py): login project/anchor measures that change.
Production settings as the project's: DEBUG off, persistent connections, SQLite in WAL mode.
Two read views for the comparison of reads (``bench/anchor/views.py``): ``api/auth/me/`` and
``api/auth/me-stateless/``.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

BENCH_DIR = Path(__file__).resolve().parent.parent

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
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "bench.anchor.urls"
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

# The project's connection reuse (config/settings.py), with Django's health check on: simplejwt
# and the ORM have no retry of a read whose connection died, so the check (a SELECT 1 before each
# request's first query) is what spares a stock project a 500 after a database restart. The
# project has the retry and runs without the check.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BENCH_DIR / 'results' / 'anchor.sqlite3'}",
        conn_max_age=60,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Production SQLite: WAL (readers never wait for the writer), writes take the lock up front.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

USE_TZ = True
TIME_ZONE = "UTC"
STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework_simplejwt.authentication.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
}

SIMPLE_JWT = {
    # bench/run.py sets ACCESS_TOKEN_LIFETIME for both sides, so seeded access tokens outlive the
    # run.
    "ACCESS_TOKEN_LIFETIME": timedelta(seconds=int(os.environ.get("ACCESS_TOKEN_LIFETIME") or 900)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=7),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "SIGNING_KEY": os.environ["ACCESS_SIGNING_KEY"],
}
