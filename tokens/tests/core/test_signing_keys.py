import io
import os
import shutil
import subprocess
import sys
import tempfile

import jwt
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.core import checks
from django.core.management import CommandError, call_command
from django.test import SimpleTestCase

from tokens.core import signing_keys
from tokens.tests.servers import PROJECT
from tokens.tests.support import AuthAPITestCase, FrozenClock, claims, token_settings


def header(token: str) -> dict:
    return jwt.get_unverified_header(token)


class KeyDirectoryMixin:
    """A fresh key directory per test, configured as ``SIGNING_KEYS_DIR``."""

    algorithm = "RS256"

    def setUp(self):
        super().setUp()
        self.clock = FrozenClock().install(self)
        self.key_dir = tempfile.mkdtemp(prefix="signing-keys-")
        self.addCleanup(shutil.rmtree, self.key_dir, True)
        self.keys = signing_keys.KeyDirectory(self.key_dir)
        override = token_settings(ACCESS_ALGORITHM=self.algorithm, SIGNING_KEYS_DIR=self.key_dir)
        override.enable()
        self.addCleanup(override.disable)


class AsymmetricAccessTokensMixin(KeyDirectoryMixin):
    """Access tokens signed with the directory's active key, published, rotated; each algorithm."""

    def setUp(self):
        super().setUp()
        self.first = self.keys.generate(self.algorithm)

    def jwks(self) -> dict:
        response = self.client.get("/.well-known/jwks.json")
        self.assertEqual(response.status_code, 200)
        return response.json()

    def test_access_tokens_carry_the_algorithm_and_the_kid(self):
        pair = self.login()
        self.assertEqual(
            header(pair["access_token"]),
            {"alg": self.algorithm, "kid": self.first.kid, "typ": "JWT"},
        )
        self.assertEqual(self.me(pair["access_token"]).status_code, 200)
        # Refresh tokens stay HS256 with their own secret: only this service reads them.
        self.assertEqual(header(pair["refresh_token"])["alg"], "HS256")
        self.assertEqual(self.refresh(pair["refresh_token"]).status_code, 200)

    def test_the_jwks_publishes_public_keys_only(self):
        keys = self.jwks()["keys"]
        self.assertEqual([key["kid"] for key in keys], [self.first.kid])
        self.assertEqual((keys[0]["alg"], keys[0]["use"]), (self.algorithm, "sig"))
        self.assertFalse({"d", "p", "q", "dp", "dq", "qi"} & set(keys[0]))
        public = jwt.PyJWK(keys[0]).key
        token = self.login()["access_token"]
        self.assertEqual(
            jwt.decode(token, public, algorithms=[self.algorithm])["sub"], str(self.user.pk)
        )

    def test_rotation_keeps_earlier_tokens_valid_until_they_expire(self):
        before = self.login()["access_token"]
        new, dropped = self.keys.rotate(self.algorithm)
        self.assertEqual(dropped, [])
        after = self.login()["access_token"]
        self.assertEqual(header(after)["kid"], new.kid)
        self.assertEqual(self.me(before).status_code, 200)
        self.assertEqual([key["kid"] for key in self.jwks()["keys"]], [new.kid, self.first.kid])
        # A token the retired key signed just before retirement lives ACCESS_TOKEN_LIFETIME at most,
        # and the key verifies exactly that long.
        self.clock.advance(899)
        self.assertEqual(self.me(before).status_code, 200)
        self.clock.advance(1)
        self.assertEqual([key["kid"] for key in self.jwks()["keys"]], [new.kid])
        self.assertError(self.me(before), 401, "token_invalid")
        forged = jwt.encode(
            {**claims(before), "exp": self.clock.current + 60},
            self.first.key,
            algorithm=self.algorithm,
            headers={"kid": self.first.kid},
        )
        self.assertError(self.me(forged), 401, "token_invalid")
        # The next rotation deletes the key that no longer verifies.
        _, dropped = self.keys.rotate(self.algorithm)
        self.assertEqual([key.kid for key in dropped], [self.first.kid])

    def test_a_retired_key_verifies_within_its_window(self):
        token_claims = claims(self.login()["access_token"])
        self.keys.rotate(self.algorithm)
        self.clock.advance(899)
        forged_by_the_retired_key = jwt.encode(
            {**token_claims, "exp": self.clock.current + 60},
            self.first.key,
            algorithm=self.algorithm,
            headers={"kid": self.first.kid},
        )
        self.assertEqual(self.me(forged_by_the_retired_key).status_code, 200)

    def test_unknown_missing_and_foreign_keys_are_invalid(self):
        token_claims = claims(self.login()["access_token"])
        other = signing_keys.generate_private_key(self.algorithm)
        samples = {
            "unknown kid": jwt.encode(
                token_claims, other, algorithm=self.algorithm, headers={"kid": "nope"}
            ),
            "no kid": jwt.encode(token_claims, self.first.key, algorithm=self.algorithm),
            "another key, our kid": jwt.encode(
                token_claims, other, algorithm=self.algorithm, headers={"kid": self.first.kid}
            ),
        }
        for name, token in samples.items():
            with self.subTest(name):
                self.assertError(self.me(token), 401, "token_invalid")

    def test_the_public_key_as_an_hmac_secret_is_refused(self):
        # The classic algorithm confusion: HS256 "signed" with the published public key.
        public_pem = self.first.verifying_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        token_claims = claims(self.login()["access_token"])
        segments = [
            jwt.utils.base64url_encode(part).decode()
            for part in (
                b'{"alg":"HS256","kid":"%s","typ":"JWT"}' % self.first.kid.encode(),
                jwt.api_jws.json.dumps(token_claims).encode(),
            )
        ]
        signing_input = ".".join(segments).encode()
        signature = jwt.algorithms.HMACAlgorithm(jwt.algorithms.HMACAlgorithm.SHA256).sign(
            signing_input, public_pem
        )
        forged = f"{segments[0]}.{segments[1]}.{jwt.utils.base64url_encode(signature).decode()}"
        self.assertError(self.me(forged), 401, "token_invalid")


class RS256AccessTokenTests(AsymmetricAccessTokensMixin, AuthAPITestCase):
    algorithm = "RS256"


class ES256AccessTokenTests(AsymmetricAccessTokensMixin, AuthAPITestCase):
    algorithm = "ES256"


class EdDSAAccessTokenTests(AsymmetricAccessTokensMixin, AuthAPITestCase):
    algorithm = "EdDSA"


class HS256AccessTokenTests(AuthAPITestCase):
    def test_access_tokens_carry_a_kid_and_nothing_is_published(self):
        pair = self.login()
        self.assertEqual(header(pair["access_token"])["alg"], "HS256")
        self.assertTrue(header(pair["access_token"])["kid"].startswith("hs-"))
        self.assertEqual(self.client.get("/.well-known/jwks.json").json(), {"keys": []})

    def test_an_unknown_kid_is_invalid(self):
        pair = self.login()
        with token_settings(
            ACCESS_SIGNING_KEY="another-access-key-of-sufficient-length-0123456789"
        ):
            self.assertError(self.me(pair["access_token"]), 401, "token_invalid")


class EnvironmentKeyTests(KeyDirectoryMixin, AuthAPITestCase):
    algorithm = "ES256"

    def test_a_pem_from_the_environment_signs(self):
        private_key = signing_keys.generate_private_key("ES256")
        pem = signing_keys.to_pem(private_key).decode()
        with token_settings(
            ACCESS_ALGORITHM="ES256", SIGNING_KEYS_DIR=self.key_dir, ACCESS_PRIVATE_KEY=pem
        ):
            token = self.login()["access_token"]
            self.assertEqual(
                header(token)["kid"], signing_keys.thumbprint(private_key.public_key(), "ES256")
            )
            self.assertEqual(self.me(token).status_code, 200)
            self.assertEqual(len(self.client.get("/.well-known/jwks.json").json()["keys"]), 1)

    def test_a_key_of_the_wrong_type_is_refused(self):
        pem = signing_keys.to_pem(signing_keys.generate_private_key("RS256"))
        with self.assertRaises(signing_keys.SigningKeyError):
            signing_keys.load_private_key(pem, "ES256")

    def test_no_signing_key_is_a_configuration_error(self):
        errors = [error.id for error in checks.run_checks(tags=[checks.Tags.security])]
        self.assertIn("tokens.E004", errors)
        self.keys.generate("ES256")
        errors = [error.id for error in checks.run_checks(tags=[checks.Tags.security])]
        self.assertNotIn("tokens.E004", errors)


class SigningKeysCommandTests(KeyDirectoryMixin, SimpleTestCase):
    algorithm = "EdDSA"

    def run_command(self, *args) -> str:
        out = io.StringIO()
        call_command("signing_keys", *args, stdout=out)
        return out.getvalue()

    def test_generate_rotate_list(self):
        self.assertIn("New EdDSA signing key", self.run_command("generate"))
        with self.assertRaises(CommandError):
            self.run_command("generate")
        self.run_command("rotate", "--algorithm", "ES256")
        listing = self.run_command("list").splitlines()
        self.assertEqual(len(listing), 2)
        self.assertIn("ES256", listing[0])
        self.assertIn("active", listing[0])
        self.assertIn("retired, verifies until", listing[1])
        self.clock.advance(900)
        self.assertIn("Dropped", self.run_command("rotate"))
        self.assertEqual(len(self.run_command("list").splitlines()), 2)

    def test_hs256_has_no_keys_to_generate(self):
        with (
            token_settings(ACCESS_ALGORITHM="HS256", SIGNING_KEYS_DIR=self.key_dir),
            self.assertRaises(CommandError),
        ):
            self.run_command("generate")

    def test_private_key_files_are_readable_by_the_owner_only(self):
        self.run_command("generate")
        (pem,) = [path for path in self.keys.path.iterdir() if path.suffix == ".pem"]
        self.assertEqual(pem.stat().st_mode & 0o777, 0o600)


class KeyBootstrapTests(SimpleTestCase):
    """A new user's first key, typed as they would: through manage.py, with the system checks
    running.
    """

    def manage(self, algorithm: str, key_dir: str, *args) -> subprocess.CompletedProcess:
        environment = {
            **os.environ,
            "DEBUG": "1",
            "ACCESS_ALGORITHM": algorithm,
            "SIGNING_KEYS_DIR": key_dir,
            "REDIS_URL": settings.CACHES["default"]["LOCATION"],
        }
        environment.pop("PYTEST_VERSION", None)
        environment.pop("ACCESS_PRIVATE_KEY", None)
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=PROJECT,
            capture_output=True,
            text=True,
            env=environment,
            timeout=120,
            check=False,
        )

    def test_the_command_the_check_names_is_not_blocked_by_it(self):
        for algorithm in signing_keys.ASYMMETRIC:
            with self.subTest(algorithm):
                key_dir = tempfile.mkdtemp(prefix="signing-keys-")
                self.addCleanup(shutil.rmtree, key_dir, True)
                refused = self.manage(algorithm, key_dir, "check")
                self.assertNotEqual(refused.returncode, 0)
                self.assertIn("tokens.E004", refused.stderr)
                self.assertIn("`python manage.py signing_keys generate`", refused.stderr)

                generated = self.manage(algorithm, key_dir, "signing_keys", "generate")
                self.assertEqual(generated.returncode, 0, generated.stderr)
                self.assertIn(f"New {algorithm} signing key", generated.stdout)

                checked = self.manage(algorithm, key_dir, "check")
                self.assertEqual(checked.returncode, 0, checked.stderr)
                self.assertIn("no issues", checked.stdout)
