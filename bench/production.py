"""The production environment every bench process runs the project under (bench/README.md).

DEBUG off, no TLS redirect, loopback hosts, fresh random secrets and signing keys per run, access
tokens that outlive the run, and rate limits no run reaches: the same for gunicorn's servers
(``bench.run``) and the in-process measurements (``bench.profile``, ``bench.authn``).
"""

import secrets

THROTTLES = {
    name: "100000000/min"
    for name in ("THROTTLE_LOGIN_IP", "THROTTLE_LOGIN_USERNAME", "THROTTLE_REFRESH_IP")
}


def environment() -> dict[str, str]:
    return {
        **THROTTLES,
        "DEBUG": "0",
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ACCESS_SIGNING_KEY": secrets.token_urlsafe(48),
        "REFRESH_SIGNING_KEY": secrets.token_urlsafe(48),
        "ACCESS_TOKEN_LIFETIME": "7200",
    }
