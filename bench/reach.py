"""Revocation reach: how long after a revocation's answer every worker refuses the token.

Four single-worker gunicorn servers of the project on four ports, sharing its database and Redis:
the same as one server's four workers (each keeps its own local copy of live sessions), except
that each request lands in the worker it names, so every worker can be asked. For each
revocation (logout, one session revoked, logout-all, the owner disabled and enabled again by a
fifth process through the ORM): a fresh login, every worker reads the session twice (the second
read is answered by its local copy), the revocation, then every worker is polled from its own
thread until it refuses. Per revocation, the longest of the four times from the revocation's answer
to a refusal's arrival (an upper bound of the reach: it includes that request's own round trip),
and to the arrival of the last acceptance (a request accepted at the latest then); every worker is
then asked again (a token accepted after a refusal is counted), and asked once to refresh the
revoked session's refresh token (a refresh accepted is counted).
Every fifth revocation follows a ``CLIENT KILL TYPE pubsub`` that cuts every worker's
invalidation channel just before it.

``python -m bench.reach`` runs it alone (its own Redis, SQLite database and servers);
``bench.run`` runs it after the throughput rounds.
"""

import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
WORKERS = 4
KINDS = ("logout", "revoke one", "logout-all", "disable")
CUT_EVERY = 5
# Polls of each worker after its first refusal.
AFTER = 5


def _call(port: int, method: str, path: str, token: str | None = None, body=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        connection.request(method, path, json.dumps(body) if body else None, headers)
        response = connection.getresponse()
        raw = response.read()
    finally:
        connection.close()
    return response.status, json.loads(raw) if raw else None


def _start(env: dict, port: int, name: str) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "1",
            "--bind",
            f"127.0.0.1:{port}",
            "--error-logfile",
            str(RESULTS / f"{name}.gunicorn.log"),
            "--log-level",
            "warning",
            "config.wsgi:application",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if _call(port, "GET", "/bench/floor/")[0] == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    sys.exit(f"{name}: gunicorn did not answer within 60 s")


def _disabler(env: dict) -> subprocess.Popen:
    """A fifth process that disables and enables users through the ORM (``user.save()``), one per
    line it reads, and answers each with a line once both saves are done.
    """
    code = (
        "import django, sys; django.setup()\n"
        "from django.contrib.auth import get_user_model\n"
        "for line in sys.stdin:\n"
        "    user = get_user_model()._default_manager.get(username=line.strip())\n"
        "    user.is_active = False; user.save(); user.is_active = True; user.save()\n"
        "    print('ok', flush=True)\n"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def _poll(port: int, token: str, answered: float, out: dict) -> None:
    """Ask one worker until it refuses: when its last acceptance was received and when its first
    refusal was received, in ms after the revocation's answer.

    A request is handled somewhere between its sending and the arrival of its answer, so the
    reach lies between the last acceptance's arrival and the first refusal's; on a loaded machine
    the answers themselves take tens of milliseconds, which only the second figure includes.
    """
    deadline = answered + 5
    out["accepted_ms"] = 0.0
    while time.monotonic() < deadline:
        status = _call(port, "GET", "/api/auth/session/", token)[0]
        received = (time.monotonic() - answered) * 1000
        if status == 200:
            out["accepted_ms"] = received
            continue
        out["ms"] = received
        out["accepted_after"] = sum(
            _call(port, "GET", "/api/auth/session/", token)[0] == 200 for _ in range(AFTER)
        )
        return
    out["ms"], out["accepted_after"] = float("inf"), 0


def metrics(port: int) -> dict:
    """The ``auth_local_copy*`` samples of the server on ``port``, by name and labels."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", "/metrics")
        text = connection.getresponse().read().decode()
    finally:
        connection.close()
    found: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith("auth_local_copy") and not line.startswith("#"):
            name, _, number = line.rpartition(" ")
            found[name] = found.get(name, 0.0) + float(number)
    return found


def _summary(
    values: list[float], accepted: int, last_accepted: list[float], refreshed: int
) -> dict:
    ordered = sorted(values)
    return {
        "last_acceptance_max_ms": round(max(last_accepted), 1) if last_accepted else None,
        "count": len(ordered),
        "p50_ms": round(statistics.median(ordered), 1) if ordered else None,
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 1)
        if ordered
        else None,
        "max_ms": round(ordered[-1], 1) if ordered else None,
        "accepted_after": accepted,
        "refreshes_accepted": refreshed,
    }


def reach_study(env: dict, revocations: int, redis_socket: Path) -> dict:
    """Run ``revocations`` revocations against four workers on the database and Redis of ``env``."""
    env = {**env, "METRICS_ACCESS": "open"}
    ports, servers = [], []
    for index in range(WORKERS):
        worker_env = {**env, "PROMETHEUS_MULTIPROC_DIR": str(RESULTS / f"reach-{index}.prom")}
        shutil.rmtree(worker_env["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
        os.makedirs(worker_env["PROMETHEUS_MULTIPROC_DIR"])
        from bench.run import free_port

        ports.append(free_port())
        servers.append(_start(worker_env, ports[-1], f"reach-{index}"))
    disabler = _disabler(env)
    store = redis.Redis(unix_socket_path=str(redis_socket))
    results: dict[str, list] = {kind: [] for kind in (*KINDS, "cut")}
    last_accepted: dict[str, list] = {kind: [] for kind in results}
    accepted = {kind: 0 for kind in results}
    refreshed = {kind: 0 for kind in results}
    try:
        for number in range(revocations):
            kind = KINDS[number % len(KINDS)]
            username = f"bench-{number % 50}"
            status, pair = _call(
                ports[number % WORKERS],
                "POST",
                "/api/auth/login/",
                body={"username": username, "password": "bench-password-1"},
            )
            if status != 200:
                sys.exit(f"reach: login refused: {status} {pair}")
            token = pair["access_token"]
            for port in ports:
                for _ in range(2):
                    if _call(port, "GET", "/api/auth/session/", token)[0] != 200:
                        sys.exit("reach: a fresh session was refused")
            cut = number % CUT_EVERY == CUT_EVERY - 1
            if cut:
                store.client_kill_filter(_type="pubsub")
            revoker = ports[(number + 1) % WORKERS]
            if kind == "logout":
                status = _call(revoker, "POST", "/api/auth/logout/", token)[0]
            elif kind == "revoke one":
                path = f"/api/auth/sessions/{pair['session_id']}/"
                status = _call(revoker, "DELETE", path, token)[0]
            elif kind == "logout-all":
                status = _call(revoker, "POST", "/api/auth/logout-all/", token)[0]
            else:
                disabler.stdin.write(username + "\n")
                disabler.stdin.flush()
                status = 204 if disabler.stdout.readline().strip() == "ok" else 500
            answered = time.monotonic()
            if status not in (200, 204):
                sys.exit(f"reach: {kind} answered {status}")
            polled = [{} for _ in ports]
            threads = [
                threading.Thread(target=_poll, args=(port, token, answered, out))
                for port, out in zip(ports, polled, strict=True)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            label = "cut" if cut else kind
            results[label].append(max(out["ms"] for out in polled))
            last_accepted[label].append(max(out["accepted_ms"] for out in polled))
            accepted[label] += sum(out["accepted_after"] for out in polled)
            body = {"refresh_token": pair["refresh_token"]}
            refreshed[label] += sum(
                _call(port, "POST", "/api/auth/refresh/", body=body)[0] == 200 for port in ports
            )
        local = {}
        for port in ports:
            for name, number in metrics(port).items():
                local[name] = local.get(name, 0.0) + number
    finally:
        disabler.stdin.close()
        disabler.wait(timeout=30)
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)
    every = [value for values in results.values() for value in values]
    return {
        "workers": WORKERS,
        "revocations": revocations,
        "all": _summary(
            every,
            sum(accepted.values()),
            [value for values in last_accepted.values() for value in values],
            sum(refreshed.values()),
        ),
        "by_kind": {
            kind: _summary(results[kind], accepted[kind], last_accepted[kind], refreshed[kind])
            for kind in results
        },
        "local_copy_metrics": local,
    }


def main() -> None:
    from bench import production
    from bench.run import Target
    from config import embedded_redis

    redis_dir = RESULTS / "reach-redis"
    embedded_redis.stop(redis_dir)
    shutil.rmtree(redis_dir, ignore_errors=True)
    redis_socket = embedded_redis.ensure_running(redis_dir)
    common = {**os.environ, **production.environment(), "PYTHONPATH": str(ROOT)}
    target = Target("reach-sqlite", "project", "sqlite", 0, common, redis_socket)
    try:
        target.prepare()
        count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
        print(json.dumps(reach_study(target.env, count, redis_socket), indent=1))
    finally:
        embedded_redis.stop(redis_dir)


if __name__ == "__main__":
    main()
