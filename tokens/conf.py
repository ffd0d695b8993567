"""The tokens app's settings: defaults here, overrides in ``settings.TOKENS``.

``token_settings`` reads Django's settings when a value is first used, never at import time, and
keeps it until ``settings.TOKENS`` (or a ``TOP_LEVEL`` setting) changes (``override_settings`` in
tests): reading ``settings.TOKENS`` costs microseconds through Django's lazy settings, and the hot
path reads several values per request.
"""

import warnings
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

DEFAULTS: dict[str, Any] = {
    # HS256 secret for access tokens, used as given (only when ACCESS_ALGORITHM is HS256).
    "ACCESS_SIGNING_KEY": None,
    # JWS algorithm of access tokens: HS256, or RS256, ES256 or EdDSA for keys others can verify.
    "ACCESS_ALGORITHM": "HS256",
    # PEM private key that signs access tokens (asymmetric algorithms); overrides the key
    # directory's.
    "ACCESS_PRIVATE_KEY": "",
    # Directory of asymmetric signing keys (PEM files and a manifest), managed by `manage.py
    # signing_keys`.
    "SIGNING_KEYS_DIR": None,
    # HS256 secret for refresh tokens, used as given; must differ from the access key.
    "REFRESH_SIGNING_KEY": None,
    # JWS algorithm of refresh tokens (only this service reads them, so a shared secret suffices).
    "REFRESH_ALGORITHM": "HS256",
    # Seconds an access token lives.
    "ACCESS_TOKEN_LIFETIME": 900,
    # Seconds of inactivity after which a refresh token expires; each rotation extends it.
    "REFRESH_TOKEN_LIFETIME": 604800,
    # Absolute seconds a session (one login) lives; no token outlives it.
    "SESSION_LIFETIME": 2592000,
    # Seconds during which a consumed refresh token returns the same successor pair.
    "ROTATION_GRACE_PERIOD": 10,
    # Prefix of every Redis key the token store writes.
    "REDIS_KEY_PREFIX": "jwt",
    # The django-redis cache (an alias of settings.CACHES) whose connection the token store uses.
    "CACHE_ALIAS": "default",
    # Rate limits in DRF's syntax ("30/min"), by throttle scope; None turns one off. A project's
    # dict merges key by key with this one. login_username counts the failed guesses at one account
    # (or unknown name) from clients without its device cookie (tokens.throttling);
    # mail_ip the mail-sending requests of one client, mail_address the mails to one address
    # (tokens.lifecycle.throttling); social_ip the trips of one client to a social login provider
    # and back (tokens.social.throttling).
    "THROTTLE_RATES": {
        "login_ip": "30/min",
        "login_username": "10/hour",
        "refresh_ip": "120/min",
        "mail_ip": "20/hour",
        "mail_address": "3/hour",
        "social_ip": "60/min",
    },
    # Set HttpOnly cookies for both tokens on login and refresh, and accept them.
    "COOKIE_TRANSPORT": True,
    # Name of the access token cookie.
    "ACCESS_COOKIE_NAME": "access_token",
    # Name of the refresh token cookie.
    "REFRESH_COOKIE_NAME": "refresh_token",
    # Path the refresh cookie is scoped to; None: where the app's URLs are included (e.g.
    # /api/auth/).
    "REFRESH_COOKIE_PATH": None,
    # Send the app's cookies over HTTPS only, named with the __Host- or __Secure- prefix; turn off
    # for development over plain HTTP.
    "COOKIE_SECURE": True,
    # Bind tokens to the browser that logged in: a fingerprint cookie whose hash every token
    # carries.
    "TOKEN_BINDING": False,
    # Name of the fingerprint cookie (``__Host-`` is prefixed when cookies are Secure).
    "FINGERPRINT_COOKIE_NAME": "fgp",
    # Name of the signed device cookie a successful login sets (limits on guessing,
    # tokens/browser/device_cookies.py).
    "LOGIN_DEVICE_COOKIE_NAME": "login_device",
    # Seconds a device cookie is honoured after the login that set it (each login sets a new one).
    "LOGIN_DEVICE_LIFETIME": 31536000,
    # Seconds a client waits after its first wrong guess at an account; doubled by each further
    # one.
    "LOGIN_FAILURE_DELAY": 1,
    # The longest wait after a wrong guess, in seconds.
    "LOGIN_FAILURE_MAX_DELAY": 300,
    # Seconds after its wait ends without a new failure when a client's failures are forgotten.
    "LOGIN_FAILURE_MEMORY": 3600,
    # Realm named in WWW-Authenticate headers.
    "WWW_AUTHENTICATE_REALM": "api",
    # Longest user agent string stored with a session or an auth event.
    "USER_AGENT_MAX_LENGTH": 512,
    # Who may read /metrics: "open" (anyone), "bearer" (METRICS_BEARER_TOKEN) or "staff" (a staff
    # user).
    "METRICS_ACCESS": "staff",
    # The secret a scraper presents as "Authorization: Bearer ..." when METRICS_ACCESS is "bearer".
    "METRICS_BEARER_TOKEN": "",
    # Days auth events are kept; `manage.py prune_auth_events` deletes older ones (the overview
    # shows 30).
    "AUTH_EVENT_RETENTION_DAYS": 90,
    # Accounts made by register/ must verify their address before logging in ("mandatory"), may
    # ("optional"), or get no verification mail at all ("none").
    "EMAIL_VERIFICATION": "mandatory",
    # The project's name, in its pages' titles and headers, the admin's and every mail; Django's
    # setting SITE_NAME, when a project sets one, wins over TOKENS["SITE_NAME"].
    "SITE_NAME": "Dual-token JWT authentication",
    # Where the project's own pages are (scheme, host, port, any path prefix); links in mail start
    # with it, never with the request's Host header, and its origin counts as this site's.
    "SITE_URL": "http://localhost:8000",
    # Link mailed for verifying an address; {key} is replaced by the key. A path is put after
    # SITE_URL; an absolute URL is used as it is.
    "EMAIL_VERIFY_URL": "/?verify={key}",
    # Link mailed for a password reset, in the same form.
    "PASSWORD_RESET_URL": "/?reset={key}",
    # Seconds a verification key (sign-up or e-mail change) stays valid.
    "EMAIL_VERIFICATION_KEY_LIFETIME": 86400,
    # Seconds a password reset key stays valid (Django's PASSWORD_RESET_TIMEOUT caps it too).
    "PASSWORD_RESET_KEY_LIFETIME": 3600,
    # Seconds /readyz waits for the database to answer SELECT 1 (Redis has its socket timeouts).
    "READINESS_DATABASE_TIMEOUT": 0.5,
    # Seconds an access token's auth_time counts as recent authentication (sensitive actions).
    "REAUTHENTICATION_WINDOW": 300,
    # Seconds without a request after which a Django (admin) session is ended (NIST AAL2: 30 min).
    "ADMIN_SESSION_IDLE": 1800,
    # Seconds after its sign-in when a Django (admin) session is ended, however active (AAL2: 12 h).
    "ADMIN_SESSION_ABSOLUTE": 43200,
    # Words no new password may contain (case ignored; words under 4 characters are skipped); None:
    # those of the site's name and of SITE_URL's host (tokens.context_words).
    "PASSWORD_CONTEXT_WORDS": None,
    # Second factors (the tokens.mfa app, its endpoints, step-up's question); off without the app.
    "SECOND_FACTORS": True,
    # Accounts: sign-up, e-mail verification, password reset, e-mail change (the tokens.lifecycle
    # app and its endpoints); off without the app, when every user counts as verified.
    "ACCOUNTS": True,
    # Social login (the tokens.social app and its endpoints); off without the app.
    "SOCIAL_LOGIN": True,
    # The outside identity providers that are on, by id: {"google": {"client_id": ..., ...}}
    # (tokens/social/providers.py names every key; docs/social-login.md).
    "SOCIAL_PROVIDERS": {},
    # URL prefixes a social login's ``next`` may point to (scheme, host, port, path prefix); empty:
    # SITE_URL.
    "SOCIAL_REDIRECT_URLS": [],
    # Whether an unknown outside identity makes a new account (else only linked ones log in).
    "SOCIAL_SIGNUP": True,
    # Seconds the provider's discovery document and keys are kept before they are fetched again.
    "SOCIAL_CACHE_LIFETIME": 3600,
    # Seconds a request to a provider (discovery, keys, token, user info) may take.
    "SOCIAL_HTTP_TIMEOUT": 5,
    # Seconds the mfa_token of a login waiting for its second factor lives.
    "MFA_TOKEN_LIFETIME": 300,
    # Who must have a second factor to log in with a password: "none", "staff" or "all".
    "MFA_REQUIRED": "none",
    # Seconds the enrollment_token of a login waiting for its first second factor lives.
    "MFA_ENROLLMENT_TOKEN_LIFETIME": 600,
    # Seconds a passkey ceremony (its challenge) may take from options to answer.
    "PASSKEY_CHALLENGE_LIFETIME": 300,
    # WebAuthn relying party id (a domain); None: the host name of the request.
    "PASSKEY_RP_ID": None,
    # Origins passkey answers may come from (e.g. ["https://app.example.com"]); empty: the
    # request's own.
    "PASSKEY_ORIGINS": [],
    # WebAuthn relying party name shown by authenticators; empty: the relying party id.
    "PASSKEY_RP_NAME": "",
    # Issuer named in TOTP authenticator apps (otpauth URIs); empty: the request's host name.
    "TOTP_ISSUER": "",
    # Threads per process that send mail after the response (0: in the request's thread, at once).
    "MAIL_THREADS": 2,
    # Mails that may wait for a thread; past it a mail is logged as not sent.
    "MAIL_QUEUE_SIZE": 1000,
    # Times a mail is tried against a failing mail server before it is logged as not sent.
    "MAIL_ATTEMPTS": 3,
    # Seconds before the first retry of a mail; each further retry waits twice as long.
    "MAIL_RETRY_DELAY": 2.0,
    # Mail the owner when a login comes from a browser without the user's device cookie.
    "NEW_DEVICE_MAIL": True,
    # Import string of the serializer that validates login/'s body (it offers ``identifier``).
    "LOGIN_SERIALIZER": "tokens.serializers.LoginSerializer",
    # Import string of the serializer that renders login's ``user``.
    "USER_SERIALIZER": "tokens.serializers.UserSerializer",
    # Deprecated (the adapter's claims()): import string of a function (user) -> dict of claims.
    "CLAIMS": None,
    # Import string of the adapter class, the one extension point (tokens.adapter.DefaultAdapter).
    "ADAPTER": "tokens.adapter.DefaultAdapter",
    # Import strings of the stage classes every login runs through, in order (tokens.flows).
    "LOGIN_STAGES": [
        "tokens.flows.IdentifyStage",
        "tokens.flows.CheckSecretStage",
        "tokens.flows.AccountStateStage",
        "tokens.flows.SecondFactorStage",
        "tokens.flows.EnrolmentStage",
        "tokens.flows.OpenSessionStage",
        "tokens.flows.RespondStage",
    ],
    # The ``iss`` claim of every token, checked on every use; None: no ``iss``.
    "ISSUER": None,
    # The ``aud`` claim of every token, checked on every use; None: no ``aud``.
    "AUDIENCE": None,
    # Live sessions a user may hold; a login past it revokes the oldest. None: no cap.
    "MAX_SESSIONS_PER_USER": None,
    # Seconds Redis is not asked after it failed (the circuit breaker); then one request tries it.
    "STORE_RETRY_INTERVAL": 5,
    # Seconds Redis's copy of the outage epoch lives unread; a process waits this long after Redis
    # failed before it writes the record alone.
    "STORE_EPOCH_LEASE": 1,
    # Keep a process-local copy of live sessions and user rows, kept exact by Redis's invalidations.
    "LOCAL_SESSION_COPY": True,
    # Entries the process-local copy holds at most (least recently used go first).
    "LOCAL_SESSION_COPY_SIZE": 10000,
    # Seconds the local copy is trusted after its invalidation channel last proved itself.
    "LOCAL_SESSION_COPY_LAG": 0.05,
    # Seconds a 503 service_unavailable answer asks the client to wait (Retry-After).
    "SERVICE_UNAVAILABLE_RETRY_AFTER": 1,
    # Have I Been Pwned's range API, asked by tokens.passwords.BreachedPasswordValidator with the
    # first five hex digits of a new password's SHA-1; empty: no check.
    "BREACHED_PASSWORDS_URL": "https://api.pwnedpasswords.com/range/",
    # Seconds the breached-password check may take in all; past it the password is not judged.
    "BREACHED_PASSWORDS_TIMEOUT": 1.0,
}


# Settings whose value is a dict a project amends rather than replaces: its keys merge with the
# defaults', so naming one rate never turns the others off.
MERGED = frozenset({"THROTTLE_RATES"})


# Settings renamed, by their old name: the old name keeps working for one release, with a
# DeprecationWarning.
RENAMED = {"DEVICE_BINDING": "TOKEN_BINDING"}

# Settings a project may also set as a Django setting of the same name (which wins): the project's
# own pages and Django's admin read it too.
TOP_LEVEL = frozenset({"SITE_NAME"})


class TokenSettings:
    """Attribute access to the tokens app's settings, read when first used."""

    def __getattr__(self, name):
        # Called only for a value not read yet: once read, it is an ordinary instance attribute.
        if name not in DEFAULTS:
            raise AttributeError(f"unknown tokens setting {name!r}")
        given = getattr(settings, "TOKENS", {})
        value = given.get(name, DEFAULTS[name])
        if name in TOP_LEVEL:
            value = getattr(settings, name, value)
        for old, new in RENAMED.items():
            if new == name and old in given and name not in given:
                warnings.warn(
                    f"TOKENS[{old!r}] is deprecated and goes in the next release: use "
                    f"TOKENS[{new!r}].",
                    DeprecationWarning,
                    stacklevel=2,
                )
                value = given[old]
        if name in MERGED and isinstance(value, dict):
            value = {**DEFAULTS[name], **value}
        self.__dict__[name] = value
        return value

    def imported(self, name: str) -> Any:
        """What the import string of setting ``name`` names (None when it is empty), imported once:
        ``import_string`` costs a module lookup and an attribute walk, on every login otherwise.
        """
        if name not in _imported:
            path = getattr(self, name)
            _imported[name] = import_string(path) if path else None
        return _imported[name]

    def reload(self) -> None:
        """Forget every value read and imported, so the next access reads ``settings.TOKENS``
        again.
        """
        self.__dict__.clear()
        _imported.clear()


# What ``TokenSettings.imported`` imported, by setting name, until ``settings.TOKENS`` changes.
_imported: dict[str, Any] = {}


token_settings = TokenSettings()


# Django settings the hot path reads, by name, as read until the setting changes.
_django_settings: dict[str, Any] = {}


def django_setting(name: str) -> Any:
    """Django's setting ``name``, read once and again only after it changes (``override_settings``).

    Each read through ``django.conf.settings`` passes through its lazy object's
    ``__getattribute__``, which raises and catches an exception per read: a few microseconds a
    token-checked request would pay per setting.
    """
    try:
        return _django_settings[name]
    except KeyError:
        value = _django_settings[name] = getattr(settings, name)
        return value


def _settings_changed(*, setting: str, **kwargs: Any) -> None:
    _django_settings.pop(setting, None)
    if setting == "TOKENS" or setting in TOP_LEVEL:
        token_settings.reload()


setting_changed.connect(_settings_changed)
