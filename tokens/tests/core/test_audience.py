"""``ISSUER`` and ``AUDIENCE``: claims of every token, checked by the app and by the verifier."""

import json
import shutil
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.core import checks
from django.test import SimpleTestCase

from tokens.core import signing_keys
from tokens.tests.support import AuthAPITestCase, bearer, claims, token_settings
from tokens.verifier import AccessTokenVerifier, InvalidToken

ISSUER = "https://auth.example.com"


@token_settings(ISSUER=ISSUER, AUDIENCE="billing")
class AudienceTests(AuthAPITestCase):
    def test_tokens_carry_the_issuer_and_the_audience(self):
        pair = self.login()
        for token in (pair["access_token"], pair["refresh_token"]):
            self.assertEqual((claims(token)["iss"], claims(token)["aud"]), (ISSUER, "billing"))
        self.assertEqual(self.me(pair["access_token"]).status_code, 200)
        rotated = self.refresh(pair["refresh_token"])
        self.assertEqual(rotated.status_code, 200)
        self.assertEqual(claims(rotated.json()["access_token"])["aud"], "billing")

    def test_a_new_audience_refuses_every_token_of_the_old_one(self):
        pair = self.login()
        with token_settings(ISSUER=ISSUER, AUDIENCE="shipping"):
            self.assertError(self.me(pair["access_token"]), 401, "token_invalid")
            response = self.client.get("/api/auth/session/", **bearer(pair["access_token"]))
            self.assertError(response, 401, "token_invalid")
            self.assertError(self.refresh(pair["refresh_token"]), 401, "token_invalid")
            self.assertEqual(claims(self.login()["access_token"])["aud"], "shipping")
        with token_settings(ISSUER="https://other.example.com", AUDIENCE="billing"):
            self.assertError(self.me(pair["access_token"]), 401, "token_invalid")

    def test_a_token_without_them_is_refused_once_they_are_configured(self):
        with token_settings(ISSUER=None, AUDIENCE=None):
            pair = self.login()
            self.assertNotIn("aud", claims(pair["access_token"]))
        self.assertError(self.me(pair["access_token"]), 401, "token_invalid")
        self.assertError(self.refresh(pair["refresh_token"]), 401, "token_invalid")


class VerifierAudienceTests(AuthAPITestCase):
    """The Django-free verifier, given the issuer's JWKS from a server in a thread."""

    def setUp(self):
        super().setUp()
        key_dir = tempfile.mkdtemp(prefix="signing-keys-")
        self.addCleanup(shutil.rmtree, key_dir, True)
        signing_keys.KeyDirectory(key_dir).generate("ES256")
        self.keys = {"ACCESS_ALGORITHM": "ES256", "SIGNING_KEYS_DIR": key_dir}
        configured = token_settings(**self.keys, ISSUER=ISSUER, AUDIENCE="billing")
        configured.enable()
        self.addCleanup(configured.disable)
        body = json.dumps(signing_keys.keyring().jwks()).encode()

        class JWKS(BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), JWKS)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        self.jwks_url = f"http://127.0.0.1:{server.server_port}/.well-known/jwks.json"

    def assertRefused(self, verifier: AccessTokenVerifier, token: str):
        with self.assertRaises(InvalidToken) as refused:
            verifier.verify(token)
        self.assertEqual(refused.exception.code, "token_invalid")

    def test_only_the_configured_audience_and_issuer_pass(self):
        token = self.login()["access_token"]
        verifier = AccessTokenVerifier(self.jwks_url, issuer=ISSUER, audience="billing")
        self.assertEqual(verifier.verify(token)["aud"], "billing")
        for refusing in (
            AccessTokenVerifier(self.jwks_url, issuer=ISSUER, audience="shipping"),
            AccessTokenVerifier(self.jwks_url, issuer="https://other.example", audience="billing"),
            # A token naming an audience needs a verifier that knows its own.
            AccessTokenVerifier(self.jwks_url),
        ):
            with self.subTest(issuer=refusing.issuer, audience=refusing.audience):
                self.assertRefused(refusing, token)
        with token_settings(ISSUER=None, AUDIENCE=None):
            unaddressed = self.login()["access_token"]
        self.assertRefused(verifier, unaddressed)


def deploy_check_ids() -> list[str]:
    messages = checks.run_checks(tags=[checks.Tags.security], include_deployment_checks=True)
    return [message.id for message in messages]


class AudienceDeployCheckTests(SimpleTestCase):
    """Tokens any holder of the public keys can verify, made without an audience, would be taken
    by every service that trusts those keys: ``check --deploy`` says so (tokens.W003).
    """

    def test_published_keys_without_an_audience_are_a_deploy_warning(self):
        for algorithm in ("RS256", "ES256", "EdDSA"):
            with self.subTest(algorithm), token_settings(ACCESS_ALGORITHM=algorithm, AUDIENCE=None):
                self.assertIn("tokens.W003", deploy_check_ids())
                plain = checks.run_checks(tags=[checks.Tags.security])
                self.assertNotIn("tokens.W003", [message.id for message in plain])

    def test_quiet_with_an_audience_or_a_shared_secret(self):
        with token_settings(ACCESS_ALGORITHM="ES256", AUDIENCE="billing"):
            self.assertNotIn("tokens.W003", deploy_check_ids())
        with token_settings(ACCESS_ALGORITHM="HS256", AUDIENCE=None):
            self.assertNotIn("tokens.W003", deploy_check_ids())
