"""Django-side set-up for the benchmark, run as ``python -m bench.seed <command>``.

Runs with the served project's settings (``bench.settings``) or the anchor's
(``bench.anchor.settings``), so it writes to exactly the database and Redis they use.
Prints one JSON object on stdout.
"""

import argparse
import json
import time
import uuid
from dataclasses import asdict

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
        [model(username=USERNAME.format(i), email=f"bench-{i}@example.com", password=encoded) for i in range(count)],
        ignore_conflicts=True,
    )
    return {"users": model._default_manager.filter(username__startswith="bench-").count()}


def _bench_users(count: int):
    return list(get_user_model()._default_manager.filter(username__startswith="bench-").order_by("pk")[:count])


def project_sessions(count: int, out: str, spread: int) -> dict:
    """Open ``count`` sessions as login does (Session row + Redis hash); write ``access refresh`` lines."""
    from tokens import clock, services, store
    from tokens.conf import token_settings
    from tokens.models import Session

    people = _bench_users(spread)
    now = clock.now()
    end = now + token_settings.SESSION_LIFETIME
    rows, lines, jtis = [], [], []
    for i in range(count):
        user = people[i % len(people)]
        session_id = str(uuid.uuid4())
        pair, refresh_jti = services._mint(user, session_id, now, end)
        rows.append(Session(
            id=session_id, user=user, created_at=clock.to_datetime(now), last_used_at=clock.to_datetime(now),
            expires_at=clock.to_datetime(end), refresh_expires_at=clock.to_datetime(pair.refresh_expires_at),
            ip_address="127.0.0.1", user_agent="bench",
        ))
        lines.append(f"{pair.access_token} {pair.refresh_token}")
        jtis.append((refresh_jti, pair.refresh_expires_at - now))
    Session.objects.bulk_create(rows, batch_size=1000)
    for row, (refresh_jti, ttl) in zip(rows, jtis, strict=True):
        store.open_session(row.user_id, str(row.id), refresh_jti, ttl)
    with open(out, "w") as handle:
        handle.write("\n".join(lines) + "\n")
    return {"sessions": count}


def anchor_sessions(count: int, out: str, spread: int) -> dict:
    """Log in as TokenObtainPairView does (an OutstandingToken row); write ``access refresh`` lines."""
    from rest_framework_simplejwt.tokens import RefreshToken

    people = _bench_users(spread)
    lines = []
    for i in range(count):
        refresh = RefreshToken.for_user(people[i % len(people)])
        lines.append(f"{refresh.access_token} {refresh}")
    with open(out, "w") as handle:
        handle.write("\n".join(lines) + "\n")
    return {"sessions": count}


def _redis():
    from django_redis import get_redis_connection

    return get_redis_connection("default")


def _used_memory(connection) -> int:
    return int(connection.info("memory")["used_memory"])


def memory(count: int, expiry_wait: float) -> dict:
    """Bytes per live session at ``count`` sessions, and the key count after revocation and expiry.

    Sessions are opened, rotated and revoked through ``tokens.store``, one call each, as the
    services do. Run it on a Redis database nobody else writes to.
    """
    from tokens import clock, keys, services, store

    connection = _redis()
    base_keys = connection.dbsize()
    base_memory = _used_memory(connection)
    sessions = [(FILLER_USER_BASE + i, str(uuid.uuid4()), uuid.uuid4().hex) for i in range(count)]
    started = time.monotonic()
    for user_id, session_id, jti in sessions:
        store.open_session(user_id, session_id, jti, 604800)
    open_seconds = time.monotonic() - started
    opened_memory = _used_memory(connection)
    opened_keys = connection.dbsize()
    sample_open = connection.memory_usage(keys.session(*sessions[0][:2]), samples=0)

    rotated = []
    for user_id, session_id, jti in sessions:
        new_jti = uuid.uuid4().hex
        outcome, _ = store.rotate(user_id, session_id, jti, new_jti, ttl=604800, grace=0, successor="",
                                  now=clock.now())
        assert outcome == store.ROTATED, outcome
        rotated.append((user_id, session_id, new_jti))
    rotated_memory = _used_memory(connection)
    sample_rotated = connection.memory_usage(keys.session(*sessions[0][:2]), samples=0)

    # The successor pair kept for the grace window, measured on one real pair.
    user = _bench_users(1)[0]
    now = clock.now()
    pair, new_jti = services._mint(user, rotated[0][1], now, now + 3600)
    store.rotate(rotated[0][0], rotated[0][1], rotated[0][2], new_jti, ttl=3600, grace=10,
                 successor=json.dumps(asdict(pair)), now=now)
    successor_bytes = connection.memory_usage(keys.successor(*rotated[0][:2]), samples=0)

    for user_id, session_id, _ in rotated:
        store.revoke(user_id, [session_id])
    revoked_keys = connection.dbsize()
    revoked_memory = _used_memory(connection)

    for user_id, session_id, jti in sessions:
        store.open_session(user_id, session_id, jti, 1)
    expiring_keys = connection.dbsize()
    started = time.monotonic()
    while connection.dbsize() > base_keys and time.monotonic() - started < expiry_wait:
        time.sleep(0.5)
    expired_after = time.monotonic() - started
    return {
        "sessions": count,
        "baseline_keys": base_keys,
        "keys_open": opened_keys,
        "bytes_per_session_open": (opened_memory - base_memory) / count,
        "bytes_per_session_rotated": (rotated_memory - base_memory) / count,
        "memory_usage_key_open": sample_open,
        "memory_usage_key_rotated": sample_rotated,
        "memory_usage_successor": successor_bytes,
        "open_per_second": count / open_seconds,
        "keys_after_revoke": revoked_keys,
        "memory_after_revoke_delta": revoked_memory - base_memory,
        "keys_while_expiring": expiring_keys,
        "keys_after_expiry": connection.dbsize(),
        "expiry_seconds": round(expired_after, 1),
        "used_memory_after": _used_memory(connection) - base_memory,
    }


def _filler(index: int) -> tuple[int, str]:
    return FILLER_USER_BASE + index, str(uuid.UUID(int=FILLER_SID_BASE + index))


def fill(count: int) -> dict:
    """Make filler sessions 0 .. count-1 live, in the store's key layout, pipelined."""
    from tokens import keys

    connection = _redis()
    started = time.monotonic()
    batch = 10_000
    for first in range(0, count, batch):
        pipe = connection.pipeline(transaction=False)
        for index in range(first, min(first + batch, count)):
            key = keys.session(*_filler(index))
            pipe.hset(key, "r", uuid.uuid4().hex)
            pipe.expire(key, 3600)
        pipe.execute()
    return {"filled": count, "seconds": round(time.monotonic() - started, 1), "keys": connection.dbsize(),
            "used_memory": _used_memory(connection)}


def unfill(count: int) -> dict:
    """Remove filler sessions 0 .. count-1."""
    from tokens import keys

    connection = _redis()
    batch = 10_000
    for first in range(0, count, batch):
        connection.unlink(*(keys.session(*_filler(index)) for index in range(first, min(first + batch, count))))
    return {"keys": connection.dbsize()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("users")
    command.add_argument("count", type=int)
    for name in ("project-sessions", "anchor-sessions"):
        command = commands.add_parser(name)
        command.add_argument("count", type=int)
        command.add_argument("out")
        command.add_argument("--spread", type=int, default=50, help="how many bench users own them")
    command = commands.add_parser("memory")
    command.add_argument("count", type=int)
    command.add_argument("--expiry-wait", type=float, default=60.0)
    for name in ("fill", "unfill"):
        commands.add_parser(name).add_argument("count", type=int)
    args = parser.parse_args()
    if args.command == "users":
        result = users(args.count)
    elif args.command == "project-sessions":
        result = project_sessions(args.count, args.out, args.spread)
    elif args.command == "anchor-sessions":
        result = anchor_sessions(args.count, args.out, args.spread)
    elif args.command == "memory":
        result = memory(args.count, args.expiry_wait)
    elif args.command == "fill":
        result = fill(args.count)
    else:
        result = unfill(args.count)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
