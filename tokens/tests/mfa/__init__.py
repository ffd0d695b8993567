"""Helpers of the second-factor tests (not a test module: neither runner collects it)."""

import pyotp

from tokens.tests.authenticator import SoftAuthenticator
from tokens.tests.support import PASSWORD, AuthAPIMixin, FrozenClock, bearer, login_name

MFA = "/api/auth/mfa/"


class MfaMixin(AuthAPIMixin):
    """A user ``alice`` logged in (``self.pair``) on a clock the test moves."""

    def setUp(self):
        super().setUp()
        self.clock = FrozenClock().install(self)
        self.pair = self.login()

    def post(self, path, data=None, token=None, **extra):
        headers = bearer(token) if token else {}
        return self.client.post(path, data or {}, format="json", **headers, **extra)

    def delete(self, path, token):
        return self.client.delete(path, **bearer(token))

    def code(self, secret: str, steps: int = 0) -> str:
        """The TOTP code of ``secret`` now (or ``steps`` time steps away), as an app shows it."""
        return pyotp.TOTP(secret).at(self.clock.current + 30 * steps)

    def enrol_totp(self, token=None) -> tuple[str, list[str]]:
        """Enrol TOTP for the logged-in user; return the secret and the recovery codes given."""
        token = token or self.pair["access_token"]
        response = self.post(f"{MFA}totp/", token=token)
        self.assertEqual(response.status_code, 200, response.content)
        secret = response.json()["secret"]
        response = self.post(f"{MFA}totp/confirm/", {"code": self.code(secret)}, token=token)
        self.assertEqual(response.status_code, 200, response.content)
        # The confirming code's step is spent: the next code a test uses is the next step's.
        self.clock.advance(30)
        return secret, response.json().get("recovery_codes", [])

    def step_up(self, secret: str) -> dict:
        """Re-authenticate ``self.pair``'s session with a TOTP code of ``secret``: the proof a user
        with a second factor gives before a sensitive action. ``self.pair`` becomes the new pair.
        """
        self.reauthenticate_pair({"code": self.code(secret)})
        self.clock.advance(30)  # the code's step is spent
        return self.pair

    def step_up_with_passkey(self, authenticator: SoftAuthenticator) -> dict:
        """As ``step_up``, with a passkey of ``authenticator``."""
        options = self.post("/api/auth/login/passkey/options/").json()
        return self.reauthenticate_pair(
            {"credential": authenticator.get(options), "challenge_id": options["challenge_id"]}
        )

    def reauthenticate_pair(self, proof: dict) -> dict:
        response = self.post("/api/auth/reauthenticate/", proof, token=self.pair["access_token"])
        self.assertEqual(response.status_code, 200, response.content)
        self.pair = response.json()
        return self.pair

    def enrol_passkey(self, authenticator: SoftAuthenticator, token=None, name="Laptop") -> dict:
        token = token or self.pair["access_token"]
        options = self.post(f"{MFA}passkeys/options/", token=token)
        self.assertEqual(options.status_code, 200, options.content)
        response = self.post(
            f"{MFA}passkeys/",
            {"credential": authenticator.create(options.json()), "name": name},
            token=token,
        )
        self.assertEqual(response.status_code, 201, response.content)
        return response.json()

    def password_step(self, username="alice", **extra) -> dict:
        """A login with the right password of a user with a second factor: the 403 body."""
        response = self.client.post(
            "/api/auth/login/",
            {"username": login_name(username), "password": PASSWORD},
            format="json",
            **extra,
        )
        self.assertError(response, 403, "mfa_required")
        return response.json()

    def finish(self, mfa_token: str, **proof):
        return self.client.post(
            "/api/auth/login/mfa/", {"mfa_token": mfa_token, **proof}, format="json"
        )
