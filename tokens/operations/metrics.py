"""The service's Prometheus metrics, defined once and counted where each outcome is decided.

prometheus-client runs in multiprocess mode (``config/prometheus.py``): every process writes to
its own files and ``/metrics`` (``tokens.operations.exposition``) adds them up, so the workers of
a server report the same totals.
"""

from django.db import InterfaceError, OperationalError
from prometheus_client import Counter, Gauge, Histogram
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import OutOfMemoryError, RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from tokens.exceptions import REFRESH_REFUSALS

LOGIN_OUTCOMES = (
    "succeeded",
    "failed",
    "throttled",
    "mfa_required",
    "mfa_enrollment_required",
    "mfa_failed",
)
# Rotated now, given again within the grace window, or refused (by the refusing error's code).
REFRESH_OUTCOMES = ("rotated", "grace", *dict.fromkeys(REFRESH_REFUSALS.values()))

LOGINS = Counter("auth_logins", "Login attempts, by outcome.", ["outcome"])
REFRESHES = Counter(
    "auth_refreshes",
    "Refresh attempts, by outcome (grace: a retry answered with the same successor pair).",
    ["outcome"],
)
# Social logins' steps by provider and outcome: "succeeded", "mfa_required", "refused" (the provider
# or a check failed), "conflict", "signed_up", "linked", "unlinked", "reauthenticated".
SOCIAL = Counter(
    "auth_social",
    "Social logins, links and unlinks, by provider and outcome.",
    ["provider", "outcome"],
)
REVOCATIONS = Counter("auth_revocations", "Sessions revoked, by reason.", ["reason"])
UNAVAILABLE = Counter(
    "auth_unavailable_responses",
    "503 service_unavailable answers, by cause (the database, or a Redis failure the database "
    "could not make up for).",
    ["cause"],
)
STORE_MISSES = Counter(
    "auth_store_misses",
    "Session lookups Redis could not answer (its key was lost), answered from the database.",
)
LOCAL_COPY_LOOKUPS = Counter(
    "auth_local_copy_lookups",
    "Lookups of the process-local copy, by what (session, user) and outcome (hit, miss, untrusted: "
    "its invalidation channel not proved recent).",
    ["kind", "outcome"],
)
LOCAL_COPY_INVALIDATIONS = Counter(
    "auth_local_copy_invalidations", "Invalidation messages the process-local copy received."
)
LOCAL_COPY_CHANNEL_DROPS = Counter(
    "auth_local_copy_channel_drops",
    "Times the local copy's invalidation channel was lost (the whole copy dropped with it).",
)
DEGRADED = Gauge(
    "auth_degraded",
    "1 while a process serves from the database alone because Redis cannot be reached.",
    # The server is degraded when any of its live workers is.
    multiprocess_mode="livemax",
)
DEGRADED_ENTRIES = Counter(
    "auth_degraded_entries", "Times a process entered degraded mode (Redis could not be reached)."
)
DEGRADED_ANSWERS = Counter(
    "auth_degraded_answers",
    "Lookups and writes the database answered alone because Redis could not, by cause.",
    ["cause"],
)
DEGRADED_CAUSES = ("redis_unreachable", "redis_out_of_memory")
AUTHENTICATION_SECONDS = Histogram(
    "auth_authentication_seconds",
    "Time to authenticate a request by its access token, refusals included.",
    buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)

# Every outcome is exposed from the start, at zero, so a rate() over it never has a gap.
for _outcome in LOGIN_OUTCOMES:
    LOGINS.labels(_outcome)
for _outcome in REFRESH_OUTCOMES:
    REFRESHES.labels(_outcome)
for _cause in DEGRADED_CAUSES:
    DEGRADED_ANSWERS.labels(_cause)
UNAVAILABLE.labels("database")

# The cause of a 503, by the Redis failure behind it: the most specific class first.
_CAUSES = (
    (RedisTimeoutError, "redis_timeout"),
    (RedisConnectionError, "redis_connection"),
    (OutOfMemoryError, "redis_out_of_memory"),
    (RedisError, "redis_error"),
)
for _failure, _cause in _CAUSES:
    UNAVAILABLE.labels(_cause)
UNAVAILABLE.labels("redis_unknown")


def unavailable_cause(exc: BaseException) -> str:
    """What a 503 was caused by: the database or Redis failure found along the exception's
    chain.
    """
    seen = set()
    link: BaseException | None = exc
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        if isinstance(link, (OperationalError, InterfaceError)):
            return "database"
        for failure, cause in _CAUSES:
            if isinstance(link, failure):
                return cause
        link = link.__cause__ or link.__context__
    return "redis_unknown"
