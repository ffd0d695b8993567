"""System checks for the tokens app's settings."""

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from tokens import exposition, signing_keys, store
from tokens.conf import token_settings
from tokens.exceptions import StoreUnavailableError

# The one eviction policy under which Redis drops nothing (docs/operations.md says why).
EVICTION_POLICY = "noeviction"


@checks.register(checks.Tags.security)
def check_signing_keys(app_configs, **kwargs):
    errors = []
    access, refresh = token_settings.ACCESS_SIGNING_KEY, token_settings.REFRESH_SIGNING_KEY
    if token_settings.ACCESS_ALGORITHM != signing_keys.HS256:
        return _check_asymmetric_keys(refresh)
    if not access or not refresh:
        errors.append(checks.Error("ACCESS_SIGNING_KEY and REFRESH_SIGNING_KEY must both be set.",
                                   id="tokens.E001"))
    elif access == refresh:
        errors.append(checks.Error("ACCESS_SIGNING_KEY and REFRESH_SIGNING_KEY must differ.", id="tokens.E002"))
    return errors


def _check_asymmetric_keys(refresh):
    errors = []
    if not refresh:
        errors.append(checks.Error("REFRESH_SIGNING_KEY must be set.", id="tokens.E001"))
    try:
        ring = signing_keys.keyring()
    except ImproperlyConfigured as exc:
        return [*errors, checks.Error(str(exc), id="tokens.E004")]
    if ring.active_key() is None:
        errors.append(checks.Error(
            f"No active {ring.algorithm} access token signing key in {token_settings.SIGNING_KEYS_DIR}.",
            hint="Run `python manage.py signing_keys generate` once, with the same ACCESS_ALGORITHM and "
                 "SIGNING_KEYS_DIR, or set ACCESS_PRIVATE_KEY.",
            id="tokens.E004",
        ))
    return errors


@checks.register()
def check_lifetimes(app_configs, **kwargs):
    errors = []
    if token_settings.ACCESS_TOKEN_LIFETIME <= 0 or token_settings.REFRESH_TOKEN_LIFETIME <= 0:
        errors.append(checks.Error("Token lifetimes must be positive.", id="tokens.E003"))
    if token_settings.ACCESS_TOKEN_LIFETIME >= token_settings.REFRESH_TOKEN_LIFETIME:
        errors.append(checks.Warning("ACCESS_TOKEN_LIFETIME should be shorter than REFRESH_TOKEN_LIFETIME.",
                                     id="tokens.W001"))
    return errors


@checks.register(checks.Tags.security)
def check_metrics_access(app_configs, **kwargs):
    mode = token_settings.METRICS_ACCESS
    if mode not in exposition.ACCESS_MODES:
        return [checks.Error(f"METRICS_ACCESS must be one of {', '.join(exposition.ACCESS_MODES)}, not {mode!r}.",
                             id="tokens.E005")]
    if mode == exposition.BEARER and not token_settings.METRICS_BEARER_TOKEN:
        return [checks.Error("METRICS_ACCESS is bearer but METRICS_BEARER_TOKEN is empty: nobody could scrape.",
                             id="tokens.E006")]
    return []


@checks.register(checks.Tags.caches, deploy=True)
def check_redis_eviction(app_configs, **kwargs):
    """Warn when a full Redis would drop session copies, tombstones, successors and rate-limit counters."""
    try:
        policy = store.eviction_policy()
    except StoreUnavailableError:
        # CONFIG refused (managed services often disable it) or Redis not reachable: nothing to judge.
        return []
    if policy in (None, EVICTION_POLICY):
        return []
    return [checks.Warning(
        f"Redis's maxmemory-policy is {policy}: when full, it drops session copies, revocation tombstones, "
        f"grace-window successors and rate-limit counters, silently.",
        hint=f"Run Redis with maxmemory-policy {EVICTION_POLICY} and a maxmemory sized for the live sessions "
             f"(docs/operations.md, \"Redis: what to run it with\").",
        id="tokens.W002",
    )]
