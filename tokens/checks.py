"""System checks for the tokens app's settings."""

import difflib
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from tokens import flows
from tokens.adapter import get_adapter
from tokens.conf import DEFAULTS, RENAMED, token_settings
from tokens.core import claims, signing_keys
from tokens.exceptions import StoreUnavailableError
from tokens.lifecycle.services import VERIFICATION_MODES
from tokens.mfa import enrolment
from tokens.operations import exposition
from tokens.store import server

# The one eviction policy under which Redis drops nothing (docs/operations.md says why).
EVICTION_POLICY = "noeviction"


@checks.register(checks.Tags.security)
def check_signing_keys(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    access, refresh = token_settings.ACCESS_SIGNING_KEY, token_settings.REFRESH_SIGNING_KEY
    if token_settings.ACCESS_ALGORITHM != signing_keys.HS256:
        return _check_asymmetric_keys(refresh)
    if not access or not refresh:
        errors.append(
            checks.Error(
                "ACCESS_SIGNING_KEY and REFRESH_SIGNING_KEY must both be set.", id="tokens.E001"
            )
        )
    elif access == refresh:
        errors.append(
            checks.Error(
                "ACCESS_SIGNING_KEY and REFRESH_SIGNING_KEY must differ.", id="tokens.E002"
            )
        )
    return errors


def _check_asymmetric_keys(refresh):
    errors: list[checks.CheckMessage] = []
    if not refresh:
        errors.append(checks.Error("REFRESH_SIGNING_KEY must be set.", id="tokens.E001"))
    try:
        ring = signing_keys.keyring()
    except ImproperlyConfigured as exc:
        return [*errors, checks.Error(str(exc), id="tokens.E004")]
    if ring.active_key() is None:
        errors.append(
            checks.Error(
                f"No active {ring.algorithm} access token signing key in "
                f"{token_settings.SIGNING_KEYS_DIR}.",
                hint="Run `python manage.py signing_keys generate` once, with the same "
                "ACCESS_ALGORITHM and "
                "SIGNING_KEYS_DIR, or set ACCESS_PRIVATE_KEY.",
                id="tokens.E004",
            )
        )
    return errors


@checks.register()
def check_lifetimes(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """Positive lifetimes, and access tokens that live shorter than refresh tokens."""
    access, refresh = token_settings.ACCESS_TOKEN_LIFETIME, token_settings.REFRESH_TOKEN_LIFETIME
    shorter = "ACCESS_TOKEN_LIFETIME should be shorter than REFRESH_TOKEN_LIFETIME."
    messages: list[checks.CheckMessage] = []
    if access <= 0 or refresh <= 0:
        messages.append(checks.Error("Token lifetimes must be positive.", id="tokens.E003"))
    if access >= refresh:
        messages.append(checks.Warning(shorter, id="tokens.W001"))
    return messages


@checks.register()
def check_settings_keys(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """A misspelt key of ``settings.TOKENS`` would be ignored without a word: name it."""
    errors: list[checks.CheckMessage] = []
    for name in getattr(settings, "TOKENS", {}):
        if name not in DEFAULTS and name not in RENAMED:
            close = difflib.get_close_matches(name, DEFAULTS, n=1)
            errors.append(
                checks.Error(
                    f"TOKENS has an unknown setting {name!r}.",
                    hint=f"Did you mean {close[0]!r}?"
                    if close
                    else "See the settings reference (docs/configuration.md).",
                    id="tokens.E005",
                )
            )
    return errors


# The settings that name code by import string, and the one that names a list of them.
IMPORT_STRINGS = ("LOGIN_SERIALIZER", "USER_SERIALIZER", "CLAIMS", "ADAPTER")
IMPORT_STRING_LISTS = ("LOGIN_STAGES",)


@checks.register()
def check_extension_points(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """The code named by import strings exists, and the adapter's claims override no protected
    claim.
    """
    errors: list[checks.CheckMessage] = []
    named = [(name, getattr(token_settings, name)) for name in IMPORT_STRINGS]
    for name in IMPORT_STRING_LISTS:
        named += [(name, path) for path in getattr(token_settings, name)]
    for name, value in named:
        try:
            if value:
                import_string(value)
        except ImportError as exc:
            errors.append(
                checks.Error(f"TOKENS[{name!r}] cannot be imported: {exc}", id="tokens.E009")
            )
    if errors:
        return errors
    try:
        # A user that is not saved: enough for a hook that reads fields; one that queries cannot be
        # judged here, and is judged by its tokens.
        added = get_adapter().claims(get_user_model()())
        overridden = sorted(set(added) & claims.PROTECTED)
    except Exception:  # the project's code: any failure means "cannot tell"
        return []
    if overridden:
        errors.append(
            checks.Error(
                f"The adapter's claims() returns reserved claims {', '.join(overridden)}: "
                "they are never carried, the tokens keep their own.",
                hint=f"Reserved: {', '.join(sorted(claims.PROTECTED))}.",
                id="tokens.E010",
            )
        )
    return errors


@checks.register()
def check_login_stages(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """The stages no login may skip are in ``LOGIN_STAGES``: the secret, the account's state, the
    second factor while ``SECOND_FACTORS`` is on, its enrolment while ``MFA_REQUIRED`` asks for
    one, the session and the answer. A project's list that left one out would open sessions
    without it, at every door.
    """
    try:
        stages = get_adapter().get_login_stages()
    except ImportError:
        return []  # tokens.E009 names it
    required = [
        flows.CheckSecretStage,
        flows.AccountStateStage,
        *([flows.SecondFactorStage] if token_settings.SECOND_FACTORS else []),
        *([flows.EnrolmentStage] if token_settings.MFA_REQUIRED != enrolment.NONE else []),
        flows.OpenSessionStage,
        flows.RespondStage,
    ]
    missing = [
        stage.__name__
        for stage in required
        if not any(isinstance(given, type) and issubclass(given, stage) for given in stages)
    ]
    if not missing:
        return []
    return [
        checks.Error(
            f"TOKENS['LOGIN_STAGES'] leaves out {', '.join(missing)}: logins would skip it.",
            hint="Keep the default stages (tokens.flows) or subclasses of them, and add your own "
            "between them (docs/extending.md).",
            id="tokens.E017",
        )
    ]


@checks.register(checks.Tags.caches)
def check_cache(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """The token store talks to Redis through django-redis: the cache it names must be one."""
    alias = token_settings.CACHE_ALIAS
    backend = settings.CACHES.get(alias, {}).get("BACKEND", "")
    if backend != "django_redis.cache.RedisCache":
        return [
            checks.Error(
                f"The cache {alias!r} (TOKENS['CACHE_ALIAS']) is {backend or 'not configured'}, "
                "not django-redis.",
                hint="Set CACHES[alias]['BACKEND'] to 'django_redis.cache.RedisCache' with a "
                "LOCATION such as "
                "'redis://127.0.0.1:6379/0'.",
                id="tokens.E006",
            )
        ]
    return []


@checks.register(checks.Tags.security)
def check_metrics_access(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    mode = token_settings.METRICS_ACCESS
    if mode not in exposition.ACCESS_MODES:
        return [
            checks.Error(
                f"METRICS_ACCESS must be one of {', '.join(exposition.ACCESS_MODES)}, not "
                f"{mode!r}.",
                id="tokens.E007",
            )
        ]
    if mode == exposition.BEARER and not token_settings.METRICS_BEARER_TOKEN:
        return [
            checks.Error(
                "METRICS_ACCESS is bearer but METRICS_BEARER_TOKEN is empty: nobody could scrape.",
                id="tokens.E008",
            )
        ]
    return []


@checks.register(checks.Tags.caches, deploy=True)
def check_redis_eviction(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """Warn when a full Redis would drop session copies, tombstones, successors and rate-limit
    counters.
    """
    try:
        policy = server.eviction_policy()
    except StoreUnavailableError:
        # CONFIG refused (managed services often disable it) or Redis not reachable: nothing to
        # judge.
        return []
    if policy in (None, EVICTION_POLICY):
        return []
    return [
        checks.Warning(
            f"Redis's maxmemory-policy is {policy}: when full, it drops session copies, revocation "
            "tombstones, "
            f"grace-window successors and rate-limit counters, silently.",
            hint=f"Run Redis with maxmemory-policy {EVICTION_POLICY} and a maxmemory sized for the "
            "live sessions "
            f'(docs/operations.md, "Redis: what to run it with").',
            id="tokens.W002",
        )
    ]


@checks.register()
def check_email_verification(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    mode = token_settings.EMAIL_VERIFICATION
    if mode not in VERIFICATION_MODES:
        return [
            checks.Error(
                f"EMAIL_VERIFICATION must be one of {', '.join(VERIFICATION_MODES)}, not {mode!r}.",
                id="tokens.E011",
            )
        ]
    missing = [
        name
        for name in ("EMAIL_VERIFY_URL", "PASSWORD_RESET_URL")
        if "{key}" not in getattr(token_settings, name)
    ]
    return [
        checks.Error(f"{name} must contain {{key}}, where the mailed key goes.", id="tokens.E012")
        for name in missing
    ]


@checks.register()
def check_mfa_required(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """``MFA_REQUIRED`` names a scope, and one that asks for a factor needs the factors on."""
    scope = token_settings.MFA_REQUIRED
    if scope not in enrolment.SCOPES:
        return [
            checks.Error(
                f"MFA_REQUIRED must be one of {', '.join(enrolment.SCOPES)}, not {scope!r}.",
                id="tokens.E018",
            )
        ]
    if scope != enrolment.NONE and not token_settings.SECOND_FACTORS:
        return [
            checks.Error(
                f"MFA_REQUIRED is {scope!r}, but SECOND_FACTORS is off: nobody in scope could "
                "enrol a factor, so nobody in scope could log in.",
                hint="Turn SECOND_FACTORS on (with tokens.mfa installed), or set MFA_REQUIRED to "
                "'none'.",
                id="tokens.E018",
            )
        ]
    return []


# The feature apps a setting turns on, with the ids of the checks that say when the two disagree.
FEATURE_APPS = (
    ("SECOND_FACTORS", "tokens.mfa", "tokens.E013", "tokens.E014"),
    ("ACCOUNTS", "tokens.lifecycle", "tokens.E015", "tokens.E016"),
    ("SOCIAL_LOGIN", "tokens.social", "tokens.E019", "tokens.E020"),
)


@checks.register()
def check_feature_apps(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """Each feature's setting and its app go together: the setting chooses, this says when they
    disagree.
    """
    errors: list[checks.CheckMessage] = []
    for setting, app, missing_id, unused_id in FEATURE_APPS:
        installed, on = apps.is_installed(app), getattr(token_settings, setting)
        if on and not installed:
            errors.append(
                checks.Error(
                    f"TOKENS[{setting!r}] is on, but {app!r} is not in INSTALLED_APPS.",
                    hint=f"Add {app!r} to INSTALLED_APPS, or set TOKENS[{setting!r}] = False "
                    "(docs/quickstart.md says what else goes with it).",
                    id=missing_id,
                )
            )
        if installed and not on:
            errors.append(
                checks.Error(
                    f"{app!r} is in INSTALLED_APPS, but TOKENS[{setting!r}] is off.",
                    hint=f"Set TOKENS[{setting!r}] = True, or remove {app!r} from INSTALLED_APPS.",
                    id=unused_id,
                )
            )
    return errors


@checks.register()
def check_social_providers(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """Each social login provider that is on names its client, and an issuer unless a preset."""
    if not token_settings.SOCIAL_LOGIN:
        return []
    from tokens.social.providers import PRESETS

    errors: list[checks.CheckMessage] = []
    for provider_id, config in token_settings.SOCIAL_PROVIDERS.items():
        keys = {str(key).lower(): value for key, value in (config or {}).items()}
        if not keys.get("client_id"):
            errors.append(
                checks.Error(
                    f"Social login provider {provider_id!r} has no client_id.",
                    hint=f"Set SOCIAL_{provider_id.upper()}_CLIENT_ID, or leave the id out of "
                    "SOCIAL_PROVIDERS.",
                    id="tokens.E021",
                )
            )
        if provider_id not in PRESETS and not keys.get("issuer"):
            errors.append(
                checks.Error(
                    f"Social login provider {provider_id!r} is no preset and has no issuer.",
                    hint=f"Set SOCIAL_{provider_id.upper()}_ISSUER to its OpenID Connect issuer.",
                    id="tokens.E022",
                )
            )
    return errors


@checks.register(checks.Tags.security, deploy=True)
def check_audience(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """Access tokens that other services can verify (an asymmetric algorithm, published keys)
    name the audience they are for (OWASP ASVS 5.0 V9.2.4): without ``aud`` a token made for one
    service that trusts the keys is accepted by every other.
    """
    if token_settings.ACCESS_ALGORITHM == signing_keys.HS256 or token_settings.AUDIENCE:
        return []
    return [
        checks.Warning(
            f"Access tokens are signed with {token_settings.ACCESS_ALGORITHM}, whose public keys "
            "any service can use, but AUDIENCE is not set: the tokens name no audience.",
            hint="Set TOKEN_AUDIENCE (TOKENS['AUDIENCE']), and ISSUER with it, and give each "
            'verifying service that audience (docs/security.md, "Which tokens carry aud").',
            id="tokens.W003",
        )
    ]
