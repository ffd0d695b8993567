from django.contrib.auth.hashers import Argon2PasswordHasher, identify_hasher
from django.test import override_settings

from accounts.hashers import Argon2idPasswordHasher
from tokens.tests.support import PASSWORD, AuthAPITestCase


def argon2_parameters(encoded: str) -> tuple[int, int, int]:
    params = identify_hasher(encoded).decode(encoded)["params"]
    return params.memory_cost, params.time_cost, params.parallelism


# The production list (config/settings.py); the test runners otherwise hash with MD5.
@override_settings(
    PASSWORD_HASHERS=[
        "accounts.hashers.Argon2idPasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
)
class Argon2idHasherTests(AuthAPITestCase):
    def test_new_passwords_use_owasps_parameters(self):
        self.user.set_password(PASSWORD)
        self.assertTrue(self.user.password.startswith("argon2$argon2id$"))
        self.assertEqual(argon2_parameters(self.user.password), (19456, 2, 1))

    def test_a_hash_with_djangos_defaults_is_upgraded_at_login(self):
        self.user.password = Argon2PasswordHasher().encode(PASSWORD, Argon2PasswordHasher().salt())
        self.user.save(update_fields=["password"])
        self.assertEqual(argon2_parameters(self.user.password), (102400, 2, 8))
        self.assertTrue(Argon2idPasswordHasher().must_update(self.user.password))

        self.login()
        self.user.refresh_from_db()
        self.assertEqual(argon2_parameters(self.user.password), (19456, 2, 1))
        self.assertFalse(Argon2idPasswordHasher().must_update(self.user.password))
        self.login()  # the upgraded hash checks

    def test_a_wrong_password_upgrades_nothing(self):
        old = Argon2PasswordHasher().encode(PASSWORD, Argon2PasswordHasher().salt())
        self.user.password = old
        self.user.save(update_fields=["password"])
        response = self.client.post(
            "/api/auth/login/", {"username": "alice", "password": "wrong"}, format="json"
        )
        self.assertError(response, 401, "invalid_credentials")
        self.user.refresh_from_db()
        self.assertEqual(self.user.password, old)
