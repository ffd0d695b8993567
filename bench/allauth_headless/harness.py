"""What ``bench.run`` needs to serve django-allauth's headless API: pins, scenarios, key.

Imported by the harness in the project's ``.venv``; the server itself runs in a virtualenv of
its own (``VENV``) with the project's versions of everything both share, so only the library
differs.
"""

from bench import venvs

PACKAGE = "django-allauth[headless]==65.22.1"
# DRF serves the floor view only; django-redis, redis and hiredis are the cache of cached_db
# sessions (the project's own cache client).
SHARED = (
    "Django",
    "djangorestframework",
    "PyJWT",
    "cryptography",
    "gunicorn",
    "psycopg",
    "psycopg-binary",
    "dj-database-url",
    "django-redis",
    "redis",
    "hiredis",
)
VENV = venvs.RESULTS / "allauth-venv"
# The bench Redis's databases of its session cache, one per database served.
REDIS_DBS = {"sqlite": 10, "postgres": 11}

# Its app client's session endpoint: the JWT verified and its session looked up (stateful
# validation), the session looked up again as the request's, and its user serialized.
SESSION_PATH = "/_allauth/app/v1/auth/session"
# Measured twice per round, once beside the project's me/ and once beside its session/, so
# that the two runs a ratio compares are neighbours in time (bench/run.py's groups).
SCENARIOS = {
    "me": ("get", SESSION_PATH, {"BENCH_BEARER": "1"}),
    "session": ("get", SESSION_PATH, {"BENCH_BEARER": "1"}),
}


def python() -> str:
    return venvs.python(VENV, PACKAGE, SHARED)


def environment() -> dict[str, str]:
    """The run's RS256 signing key, a PEM (allauth's ``HEADLESS_JWT_PRIVATE_KEY``)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return {"ALLAUTH_JWT_PRIVATE_KEY": pem.decode()}
