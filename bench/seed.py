"""Django-side set-up for the benchmark, run as ``python -m bench.seed <command>``.

Runs with the served project's settings (``bench.settings``) or the anchor's
(``bench.anchor.settings``), so it writes to exactly the database and Redis they use.
Prints one JSON object on stdout.
"""

import argparse
import json
import time
import uuid

import django

django.setup()

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

PASSWORD = "bench-password-1"
USERNAME = "bench-{}"
USERS_FOR_PROFILE = 50
# Filler sessions belong to user ids from here on, far above any real bench user.
FILLER_USER_BASE = 10_000_000
# Filler session ids are fixed (derived from their index), so they can be removed again exactly.
FILLER_SID_BASE = 0xBE << 120


def users(count: int) -> dict:
    """Ensure ``bench-0`` .. ``bench-<count-1>`` exist, all with the one bench password."""
    model = get_user_model()
    encoded = make_password(PASSWORD)
    model._default_manager.bulk_create(
        [
            model(username=USERNAME.format(i), email=f"bench-{i}@example.com", password=encoded)
            for i in range(count)
        ],
        ignore_conflicts=True,
    )
    return {"users": model._default_manager.filter(username__startswith="bench-").count()}


def _bench_users(count: int):
    return list(
        get_user_model()
        ._default_manager.filter(username__startswith="bench-")
        .order_by("pk")[:count]
    )


def _request():
    """A login request as the views receive it (loopback address, a user agent)."""
    from django.test import RequestFactory

    return RequestFactory().post(
        "/api/auth/login/", REMOTE_ADDR="127.0.0.1", HTTP_USER_AGENT="bench-seed"
    )


def _in_batches(items, work, batch: int = 500):
    """Call ``work(item)`` for each item, committing every ``batch`` items rather than every item.

    Falls back to one transaction per call if the services refuse to run inside an outer
    transaction (a durable ``atomic``).
    """
    from django.db import transaction

    items = list(items)
    out = []
    nested = True
    for first in range(0, len(items), batch):
        chunk = items[first : first + batch]
        if nested:
            try:
                with transaction.atomic():
                    done = [work(item) for item in chunk]
            except (
                RuntimeError
            ) as exc:  # "A durable atomic block cannot be nested within another atomic block."
                if "durable" not in str(exc):
                    raise
                nested = False
            else:
                out += done
                continue
        out += [work(item) for item in chunk]
    return out


def project_sessions(count: int, out: str, spread: int) -> dict:
    """Open ``count`` sessions through ``tokens.core.issuing.login``; write ``access refresh``
    lines.

    Exactly what the login view does after checking the password (session record, Redis copy,
    the login signal and its auth event), so the seeded sessions are ordinary sessions.
    """
    from tokens.core.issuing import login

    people = _bench_users(spread)
    request = _request()
    started = time.monotonic()
    pairs = _in_batches(range(count), lambda i: login(request, people[i % len(people)]))
    with open(out, "w") as handle:
        handle.write("".join(f"{pair.access_token} {pair.refresh_token}\n" for pair in pairs))
    seconds = time.monotonic() - started
    return {
        "sessions": count,
        "seconds": round(seconds, 1),
        "per_second": round(count / seconds, 1) if seconds else None,
    }


def anchor_sessions(count: int, out: str, spread: int) -> dict:
    """Log in as TokenObtainPairView does (an OutstandingToken row); write ``access refresh`` lines.

    The access token also carries the ``username`` claim (simplejwt's documented way of adding a
    claim), so that ``me-stateless/`` can answer ``{id, username}`` from the token alone, as the
    project's access token lets its ``session/`` do. The refresh token is stock.
    """
    from rest_framework_simplejwt.tokens import RefreshToken

    people = _bench_users(spread)
    lines = []
    for i in range(count):
        user = people[i % len(people)]
        refresh = RefreshToken.for_user(user)
        access = refresh.access_token
        access["username"] = user.get_username()
        lines.append(f"{access} {refresh}")
    with open(out, "w") as handle:
        handle.write("\n".join(lines) + "\n")
    return {"sessions": count}


def peer_sessions(count: int, out: str, spread: int) -> dict:
    """Log in as django-jwt-allauth's login view does after the password check; write ``access
    refresh`` lines.

    Its ``RefreshToken.for_user(user, request)`` (the class its settings select) opens the session:
    a whitelist row with the device fields, the session id and its start in the token.
    """
    from jwt_allauth.tokens.app_settings import RefreshToken

    people = _bench_users(spread)
    request = _request()
    # What its login view's ``get_user_agent`` decorator sets, with user agent collection off
    # (the library's default).
    request.user_agent, request.ip = None, None
    lines = []
    for i in range(count):
        refresh = RefreshToken.for_user(people[i % len(people)], request)
        lines.append(f"{refresh.access_token} {refresh}")
    with open(out, "w") as handle:
        handle.write("\n".join(lines) + "\n")
    return {"sessions": count}


def _revoke(user, session_id: str) -> None:
    """Revoke one session through the services, as a logout or a user's own revocation does."""
    from tokens.core.revocation import revoke
    from tokens.models import Session

    revoke(Session.objects.filter(user_id=user.pk, pk=session_id), Session.RevokeReason.LOGOUT)


def _redis():
    from django_redis import get_redis_connection

    return get_redis_connection("default")


def _used_memory(connection) -> int:
    return int(connection.info("memory")["used_memory"])


def _keys_of(connection, session_id: str) -> dict:
    """Every key whose name holds the session id, with its ``MEMORY USAGE`` (layout-agnostic)."""
    found = {}
    for key in connection.scan_iter(match=f"*{session_id}*", count=10_000):
        name = key.decode().replace(session_id, "<sid>")
        found[name] = connection.memory_usage(key, samples=0)
    return found


def _memory_users(count: int) -> list:
    """``memory-0`` .. ``memory-<count-1>``: one user per session, as if each were a different
    person.
    """
    model = get_user_model()
    encoded = make_password(PASSWORD)
    model._default_manager.bulk_create(
        [
            model(username=f"memory-{i}", email=f"memory-{i}@example.com", password=encoded)
            for i in range(count)
        ],
        ignore_conflicts=True,
        batch_size=5000,
    )
    return list(
        model._default_manager.filter(username__startswith="memory-").order_by("pk")[:count]
    )


def memory(count: int, revoke_share: float, rotate_sample: int) -> dict:
    """Redis bytes per live session at ``count`` live sessions, tombstones included.

    Everything goes through the public services, one call per session as the views make them:
    ``tokens.core.issuing.login`` opens ``count / (1 - revoke_share)`` sessions (one user each),
    ``tokens.core.revocation.revoke`` revokes ``revoke_share`` of them (each leaves its tombstone),
    so ``count`` stay live; ``tokens.core.rotation.rotate`` rotates a sample of the live ones once
    (no grace window, so no successor pair stays behind). Bytes are ``INFO memory``
    ``used_memory`` deltas; ``MEMORY USAGE`` of every key of one sample session is given too. Run
    it on a Redis database nobody else writes to.
    """
    import math

    from django.conf import settings
    from django.test import override_settings

    from tokens.core.issuing import login
    from tokens.core.rotation import rotate

    connection = _redis()
    request = _request()
    opened_count = math.ceil(count / (1 - revoke_share))
    revoked_count = opened_count - count
    people = _memory_users(opened_count)
    base_keys = connection.dbsize()
    base_memory = _used_memory(connection)

    started = time.monotonic()
    pairs = _in_batches(people, lambda user: login(request, user))
    open_seconds = time.monotonic() - started
    opened_memory = _used_memory(connection)
    opened_keys = connection.dbsize()
    sample_open = _keys_of(connection, pairs[0].session_id)

    # Revoke the last revoked_count sessions: each one's live hash gives way to its tombstone.
    revoked = list(zip(people[count:], pairs[count:], strict=True))
    started = time.monotonic()
    _in_batches(revoked, lambda item: _revoke(item[0], item[1].session_id))
    revoke_seconds = time.monotonic() - started
    revoked_memory = _used_memory(connection)
    revoked_keys = connection.dbsize()
    sample_tombstone = _keys_of(connection, revoked[0][1].session_id)
    live_bytes = revoked_memory - base_memory
    per_open = (opened_memory - base_memory) / opened_count

    # Rotate a sample of the live sessions once, without a grace window: the extra bytes of a
    # rotated session.
    sample = pairs[: min(rotate_sample, count)]
    tokens_settings = dict(settings.TOKENS)
    with override_settings(TOKENS={**tokens_settings, "ROTATION_GRACE_PERIOD": 0}):
        rotated = _in_batches(sample, lambda pair: rotate(request, pair.refresh_token))
    rotated_memory = _used_memory(connection)
    rotated_keys = connection.dbsize()
    per_rotation = (rotated_memory - revoked_memory) / len(sample)
    sample_rotated = _keys_of(connection, rotated[0].session_id)
    # One rotation with the configured grace window: the successor pair kept for it.
    successor = rotate(request, rotated[0].refresh_token)
    sample_grace = _keys_of(connection, successor.session_id)

    return {
        "sessions": count,
        "opened": opened_count,
        "revoked": revoked_count,
        "revoke_share": revoke_share,
        "baseline_keys": base_keys,
        "keys_open": opened_keys - base_keys,
        "keys_after_revoke": revoked_keys - base_keys,
        "bytes_per_session_open": per_open,
        "bytes_per_live_session": live_bytes / count,
        "bytes_per_tombstone": (live_bytes - per_open * count) / revoked_count
        if revoked_count
        else None,
        "bytes_per_rotation": per_rotation,
        "bytes_per_live_session_rotated": live_bytes / count + per_rotation,
        "rotated_sample": len(sample),
        "rotated_keys_delta": rotated_keys - revoked_keys,
        "memory_usage_open": sample_open,
        "memory_usage_tombstone": sample_tombstone,
        "memory_usage_rotated": sample_rotated,
        "memory_usage_in_grace": sample_grace,
        "open_per_second": opened_count / open_seconds,
        "revoke_per_second": revoked_count / revoke_seconds if revoke_seconds else None,
    }


def effective_settings() -> dict:
    """What the served settings really give: DEBUG, connection reuse, and SQLite's journal mode as
    opened.
    """
    from django.conf import settings
    from django.db import connection

    database = settings.DATABASES["default"]
    result = {
        "debug": settings.DEBUG,
        "vendor": connection.vendor,
        "conn_max_age": database.get("CONN_MAX_AGE"),
        "conn_health_checks": database.get("CONN_HEALTH_CHECKS"),
        "session_engine": settings.SESSION_ENGINE,
        "cache": settings.CACHES["default"]["BACKEND"],
        "options": {k: v for k, v in database.get("OPTIONS", {}).items() if k != "password"},
    }
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for pragma in ("journal_mode", "synchronous", "busy_timeout"):
                cursor.execute(f"PRAGMA {pragma}")
                result[pragma] = cursor.fetchone()[0]
        elif connection.vendor == "postgresql":
            cursor.execute("SHOW synchronous_commit")
            result["synchronous_commit"] = cursor.fetchone()[0]
    return result


def expiry(count: int, revoke_share: float, lifetime: int, wait: float) -> dict:
    """Open ``count`` sessions whose lifetimes are ``lifetime`` seconds, revoke ``revoke_share`` of
    them; watch the key count.

    Lifetimes are shortened with ``override_settings(TOKENS=...)``, so every key the services write
    (live hash, tombstone, anything else) gets the expiry they would give it in production, only
    sooner; ``lifetime`` must outlast the opening of them all. The key count must come back to
    where it was before. Run it on a Redis database of its own: Redis expires keys by sampling the
    keys that carry an expiry, so long-lived keys beside the short-lived ones would slow the count
    down without anything being wrong.
    """
    from django.conf import settings
    from django.test import override_settings

    from tokens.core.issuing import login

    connection = _redis()
    request = _request()
    people = _memory_users(count)
    base_keys = connection.dbsize()
    revoked_count = int(count * revoke_share)
    short = {
        **settings.TOKENS,
        "ACCESS_TOKEN_LIFETIME": lifetime,
        "REFRESH_TOKEN_LIFETIME": lifetime,
        "SESSION_LIFETIME": lifetime,
    }
    with override_settings(TOKENS=short):
        started = time.monotonic()
        pairs = _in_batches(people, lambda user: login(request, user))
        opened = time.monotonic()
        opened_keys = connection.dbsize() - base_keys
        _in_batches(
            list(zip(people[:revoked_count], pairs[:revoked_count], strict=True)),
            lambda item: _revoke(item[0], item[1].session_id),
        )
    # The last session's lifetime was counted from a moment no later than the end of the logins.
    last_end = opened + lifetime
    keys_while_expiring = connection.dbsize() - base_keys
    while connection.dbsize() > base_keys and time.monotonic() < last_end + wait:
        time.sleep(0.25)
    back = time.monotonic()
    return {
        "expiry_baseline_keys": base_keys,
        "expiry_sessions": count,
        "expiry_revoked": revoked_count,
        "expiry_lifetime": lifetime,
        "expiry_open_seconds": round(opened - started, 1),
        "expiry_keys_open": opened_keys,
        "keys_while_expiring": keys_while_expiring,
        "keys_after_expiry": connection.dbsize() - base_keys,
        "expiry_seconds": round(back - last_end, 1),
    }


def _filler(index: int) -> tuple[int, str]:
    return FILLER_USER_BASE + index, str(uuid.UUID(int=FILLER_SID_BASE + index))


def _template(connection) -> tuple[str, dict, str, int]:
    """A real session's hash (key name and fields), opened through ``tokens.core.issuing.login``:
    the filler's model.

    Whatever layout the store gives a live session, the filler copies it; only the session id
    (and the user id in the key's hash tag and in the fields) differ.
    """
    from tokens.core.issuing import login

    user = _bench_users(1)[0]
    pair = login(_request(), user)
    names = [
        key
        for key in connection.scan_iter(match=f"*{pair.session_id}*", count=10_000)
        if connection.type(key) == b"hash"
    ]
    if len(names) != 1:
        raise SystemExit(f"fill: expected one hash for a new session, found {names}")
    return names[0].decode(), connection.hgetall(names[0]), pair.session_id, user.pk


def fill(count: int) -> dict:
    """Make filler sessions 0 .. count-1 live, copies of a real session's hash, pipelined."""
    connection = _redis()
    name, fields, session_id, user_pk = _template(connection)
    owner = str(user_pk).encode()
    started = time.monotonic()
    batch = 10_000
    for first in range(0, count, batch):
        pipe = connection.pipeline(transaction=False)
        for index in range(first, min(first + batch, count)):
            filler_user, filler_sid = _filler(index)
            key = name.replace(session_id, filler_sid).replace(
                f"{{u:{user_pk}}}", f"{{u:{filler_user}}}"
            )
            pipe.hset(
                key,
                mapping={
                    k: (str(filler_user).encode() if v == owner else v) for k, v in fields.items()
                },
            )
            pipe.expire(key, 3600)
        pipe.execute()
    return {
        "filled": count,
        "seconds": round(time.monotonic() - started, 1),
        "keys": connection.dbsize(),
        "used_memory": _used_memory(connection),
        "template": name.replace(session_id, "<sid>"),
        "fields": sorted(k.decode() for k in fields),
    }


def unfill(count: int) -> dict:
    """Remove every filler session (their ids share a prefix no real session id has)."""
    connection = _redis()
    prefix = _filler(0)[1][:19]  # "be000000-0000-0000-"
    batch, removed = [], 0
    for key in connection.scan_iter(match=f"*{prefix}*", count=10_000):
        batch.append(key)
        if len(batch) == 10_000:
            removed += connection.unlink(*batch)
            batch = []
    if batch:
        removed += connection.unlink(*batch)
    return {"removed": removed, "keys": connection.dbsize()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("users")
    command.add_argument("count", type=int)
    for name in ("project-sessions", "anchor-sessions", "peer-sessions", "allauth-sessions"):
        command = commands.add_parser(name)
        command.add_argument("count", type=int)
        command.add_argument("out")
        command.add_argument("--spread", type=int, default=50, help="how many bench users own them")
    command = commands.add_parser("memory")
    command.add_argument("count", type=int, help="live sessions at the measurement")
    command.add_argument(
        "--revoke-share", type=float, default=0.1, help="share of the opened sessions revoked"
    )
    command.add_argument(
        "--rotate-sample", type=int, default=10_000, help="live sessions rotated once"
    )
    command = commands.add_parser("expiry")
    command.add_argument("count", type=int, help="short-lived sessions opened")
    command.add_argument("--revoke-share", type=float, default=0.1, help="share of them revoked")
    command.add_argument(
        "--lifetime", type=int, default=30, help="seconds every lifetime is shortened to"
    )
    command.add_argument(
        "--wait", type=float, default=60.0, help="seconds to wait past their end for the key count"
    )
    commands.add_parser("settings")
    for name in ("fill", "unfill"):
        commands.add_parser(name).add_argument("count", type=int)
    args = parser.parse_args()
    if args.command == "users":
        result = users(args.count)
    elif args.command == "project-sessions":
        result = project_sessions(args.count, args.out, args.spread)
    elif args.command == "anchor-sessions":
        result = anchor_sessions(args.count, args.out, args.spread)
    elif args.command == "peer-sessions":
        result = peer_sessions(args.count, args.out, args.spread)
    elif args.command == "allauth-sessions":
        from bench.allauth_headless.seed import sessions

        result = sessions(_bench_users(args.spread), PASSWORD, args.count, args.out)
    elif args.command == "memory":
        result = memory(args.count, args.revoke_share, args.rotate_sample)
    elif args.command == "expiry":
        result = expiry(args.count, args.revoke_share, args.lifetime, args.wait)
    elif args.command == "settings":
        result = effective_settings()
    elif args.command == "fill":
        result = fill(args.count)
    else:
        result = unfill(args.count)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
