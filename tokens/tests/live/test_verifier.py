import shutil
import tempfile

import jwt

from tokens.core import signing_keys
from tokens.tests.servers import AppServer, set_server_password
from tokens.tests.support import (
    PASSWORD,
    AuthAPITransactionTestCase,
    claims,
    login_name,
)
from tokens.verifier import AccessTokenVerifier, InvalidToken


class StandaloneVerifierTests(AuthAPITransactionTestCase):
    """The Django-free verifier of ``tokens.verifier`` against the app under gunicorn with ES256
    keys.
    """

    algorithm = "ES256"

    def setUp(self):
        super().setUp()
        set_server_password(self.user, PASSWORD)
        self.key_dir = tempfile.mkdtemp(prefix="signing-keys-")
        self.addCleanup(shutil.rmtree, self.key_dir, True)
        self.keys = signing_keys.KeyDirectory(self.key_dir)
        self.first = self.keys.generate(self.algorithm)
        self.server = AppServer(
            ACCESS_ALGORITHM=self.algorithm, SIGNING_KEYS_DIR=self.key_dir
        ).start()
        self.addCleanup(self.server.stop)
        self.verifier = AccessTokenVerifier(
            f"{self.server.base_url}/.well-known/jwks.json", refetch_cooldown=0
        )

    def server_login(self) -> dict:
        credentials = {"username": login_name("alice"), "password": PASSWORD}
        status, body = self.server.request("POST", "/api/auth/login/", credentials)
        self.assertEqual(status, 200, body)
        return body

    def assertRefused(self, token, code="token_invalid"):
        with self.assertRaises(InvalidToken) as refused:
            self.verifier.verify(token)
        self.assertEqual(refused.exception.code, code)

    def test_access_tokens_pass_and_everything_else_is_refused(self):
        pair = self.server_login()
        verified = self.verifier.verify(pair["access_token"])
        self.assertEqual(
            (verified["sub"], verified["username"], verified["sid"]),
            (str(self.user.pk), login_name("alice"), pair["session_id"]),
        )
        self.assertRefused(pair["refresh_token"])
        token_claims = claims(pair["access_token"])
        other_key = signing_keys.generate_private_key(self.algorithm)
        self.assertRefused(
            jwt.encode(
                token_claims, other_key, algorithm=self.algorithm, headers={"kid": self.first.kid}
            )
        )
        self.assertRefused(
            jwt.encode(token_claims, other_key, algorithm=self.algorithm, headers={"kid": "other"})
        )
        self.assertRefused(
            jwt.encode(
                token_claims,
                "a-shared-secret-of-some-length-0123456789",
                algorithm="HS256",
                headers={"kid": self.first.kid},
            )
        )
        self.assertRefused(
            jwt.encode(
                {**token_claims, "token_type": "refresh"},
                self.first.key,
                algorithm=self.algorithm,
                headers={"kid": self.first.kid},
            ),
            "token_wrong_type",
        )
        self.assertRefused(
            jwt.encode(
                {**token_claims, "exp": token_claims["iat"] - 1},
                self.first.key,
                algorithm=self.algorithm,
                headers={"kid": self.first.kid},
            ),
            "token_expired",
        )
        self.assertRefused("not-a-token")

    def test_a_rotation_is_picked_up_by_the_server_and_the_verifier(self):
        before = self.server_login()["access_token"]
        self.assertEqual(self.verifier.verify(before)["username"], login_name("alice"))
        new, _ = self.keys.rotate(self.algorithm)
        after = self.server_login()["access_token"]
        self.assertEqual(jwt.get_unverified_header(after)["kid"], new.kid)
        self.assertEqual(self.verifier.verify(after)["username"], login_name("alice"))
        self.assertEqual(self.verifier.verify(before)["username"], login_name("alice"))
        # The server itself still honours tokens of the retired key.
        self.assertEqual(self.server.request("GET", "/api/auth/me/", token=before)[0], 200)
