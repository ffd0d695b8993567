"""Sessions opened by django-allauth's own headless login, for ``bench.seed allauth-sessions``.

Each is a ``POST /_allauth/app/v1/auth/login`` through Django's test client, in-process, with
the served settings: allauth checks the password, logs the user in (a Django session in the
``cached_db`` backend: the database row and its Redis copy), and its JWT strategy mints the
access token and the refresh token (recorded in that session) it answers in ``meta``. The users
first get the verified primary e-mail address allauth's signup and confirmation would have left.
"""

from django.test import Client

LOGIN = "/_allauth/app/v1/auth/login"


def sessions(people: list, password: str, count: int, out: str) -> dict:
    from allauth.account.models import EmailAddress

    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, primary=True, verified=True) for u in people],
        ignore_conflicts=True,
    )
    lines = []
    for i in range(count):
        user = people[i % len(people)]
        client = Client(HTTP_HOST="127.0.0.1", HTTP_USER_AGENT="bench-seed")
        response = client.post(
            LOGIN,
            {"username": user.get_username(), "password": password},
            content_type="application/json",
        )
        if response.status_code != 200:
            raise SystemExit(f"allauth login: {response.status_code} {response.content[:300]!r}")
        meta = response.json()["meta"]
        lines.append(f"{meta['access_token']} {meta['refresh_token']}")
    with open(out, "w") as handle:
        handle.write("\n".join(lines) + "\n")
    return {"sessions": count}
