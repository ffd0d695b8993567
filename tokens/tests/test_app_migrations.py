"""Upgrading across the migrations that gave the second factors and the account lifecycle apps of
their own (tokens 0012, tokens_mfa and tokens_lifecycle 0001 and 0002) keeps every row.
"""

import datetime
import uuid

import pyotp
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from rest_framework.test import APITransactionTestCase

from tokens.lifecycle.models import EmailVerification, PasswordResetStamp
from tokens.mfa import recovery_codes
from tokens.mfa.models import Passkey, RecoveryCode, TotpFactor
from tokens.models import Session
from tokens.models.sessions import api_reason
from tokens.tests.support import PASSWORD, RealRedisMixin, claims, login_name

# The last state before the move: the tokens app's 0011, neither new app.
BEFORE = [
    ("tokens", "0011_factor_added_reason"),
    ("tokens_mfa", None),
    ("tokens_lifecycle", None),
]


def migrate(targets=None):
    """Migrate the test database to ``targets`` (every app's latest when None); return the
    historical apps of the state reached.
    """
    executor = MigrationExecutor(connection)
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    # Every other app stays at its latest migration.
    named = {app for app, _ in targets}
    reached = [
        *(leaf for leaf in executor.loader.graph.leaf_nodes() if leaf[0] not in named),
        *((app, name) for app, name in targets if name is not None),
    ]
    return MigrationExecutor(connection).loader.project_state(reached).apps


class UpgradeKeepsEveryRowTests(RealRedisMixin, APITransactionTestCase):
    def setUp(self):
        super().setUp()
        # Whatever happens, the database ends at the latest state, as every other test expects.
        self.addCleanup(migrate)
        self.old = migrate(BEFORE)
        self.now = datetime.datetime.now(datetime.UTC)
        self.insert_rows()
        migrate()
        ContentType.objects.clear_cache()

    def insert_rows(self):
        old = self.old
        user_model = old.get_model(settings.AUTH_USER_MODEL)
        self.user = user_model.objects.create(
            **{get_user_model().USERNAME_FIELD: login_name("alice")},
            password=make_password(PASSWORD),
            is_active=True,
        )
        self.secret = pyotp.random_base32()
        old.get_model("tokens", "TotpFactor").objects.create(
            user_id=self.user.pk, secret=self.secret, confirmed_at=self.now
        )
        self.codes = ["abcde-fghij", "klmno-pqrst"]
        old.get_model("tokens", "RecoveryCode").objects.bulk_create(
            old.get_model("tokens", "RecoveryCode")(
                user_id=self.user.pk, digest=recovery_codes.digests(self.user.pk, code)[0]
            )
            for code in self.codes
        )
        old.get_model("tokens", "Passkey").objects.create(
            user_id=self.user.pk,
            name="Laptop",
            credential_id="Y3JlZGVudGlhbA",
            public_key=b"\xa5\x01\x02",
            user_handle="aGFuZGxl",
        )
        self.verification = old.get_model("tokens", "EmailVerification").objects.create(
            user_id=self.user.pk, purpose="change", email="new@example.com"
        )
        old.get_model("tokens", "PasswordResetStamp").objects.create(
            user_id=self.user.pk, stamp="stamp-1"
        )
        self.session = old.get_model("tokens", "Session").objects.create(
            user_id=self.user.pk,
            expires_at=self.now + datetime.timedelta(days=1),
            refresh_expires_at=self.now + datetime.timedelta(hours=1),
            refresh_jti=uuid.uuid4().hex,
        )
        # Sessions revoked before: by staff, and by a release that recorded no reason.
        self.revoked = {
            reason: old.get_model("tokens", "Session")
            .objects.create(
                user_id=self.user.pk,
                expires_at=self.now + datetime.timedelta(days=1),
                refresh_expires_at=self.now + datetime.timedelta(hours=1),
                refresh_jti=uuid.uuid4().hex,
                revoked_at=self.now,
                revoked_reason=reason,
            )
            .pk
            for reason in ("admin", "")
        }
        content_types = old.get_model("contenttypes", "ContentType").objects
        # Their content types, under the tokens app as before the move.
        self.content_type_ids = {
            model: content_types.get(app_label="tokens", model=model).pk
            for model in (
                "totpfactor",
                "recoverycode",
                "passkey",
                "emailverification",
                "passwordresetstamp",
            )
        }

    def test_every_row_is_there_through_the_new_apps(self):
        self.assertEqual(TotpFactor.objects.get(user_id=self.user.pk).secret, self.secret)
        self.assertEqual(RecoveryCode.objects.filter(user_id=self.user.pk).count(), 2)
        passkey = Passkey.objects.get(user_id=self.user.pk)
        self.assertEqual((passkey.name, bytes(passkey.public_key)), ("Laptop", b"\xa5\x01\x02"))
        self.assertEqual(EmailVerification.objects.get().pk, self.verification.pk)
        self.assertEqual(PasswordResetStamp.objects.get(user_id=self.user.pk).stamp, "stamp-1")
        self.assertEqual(Session.objects.get(revoked_at__isnull=True).pk, self.session.pk)
        # The revoked ones stay revoked, and their tokens name the contract's reason "revoked".
        for reason, pk in self.revoked.items():
            session = Session.objects.get(pk=pk)
            self.assertEqual((session.revoked_reason, session.state), (reason, "revoked"))
            self.assertEqual(api_reason(session.revoked_reason), "revoked")
        self.assertTrue(get_user_model()._default_manager.filter(pk=self.user.pk).exists())

    def test_content_types_and_their_permissions_follow_the_models(self):
        for model in (TotpFactor, RecoveryCode, Passkey, EmailVerification, PasswordResetStamp):
            with self.subTest(model=model.__name__):
                content_type = ContentType.objects.get_for_model(model)
                self.assertEqual(content_type.app_label, model._meta.app_label)
                self.assertEqual(content_type.pk, self.content_type_ids[model._meta.model_name])
                self.assertTrue(
                    Permission.objects.filter(
                        content_type=content_type, codename=f"add_{model._meta.model_name}"
                    ).exists()
                )
        self.assertFalse(ContentType.objects.filter(app_label="tokens", model="passkey").exists())

    def test_a_login_with_the_totp_factor_still_works(self):
        response = self.client.post(
            "/api/auth/login/",
            {"username": login_name("alice"), "password": PASSWORD},
            format="json",
        )
        self.assertEqual(response.status_code, 403, response.content)
        self.assertEqual(response.json()["code"], "mfa_required")
        response = self.client.post(
            "/api/auth/login/mfa/",
            {"mfa_token": response.json()["mfa_token"], "code": pyotp.TOTP(self.secret).now()},
            format="json",
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertIn("mfa", claims(response.json()["access_token"])["amr"])
        response = self.client.post(
            "/api/auth/login/",
            {"username": login_name("alice"), "password": PASSWORD},
            format="json",
        )
        response = self.client.post(
            "/api/auth/login/mfa/",
            {"mfa_token": response.json()["mfa_token"], "code": self.codes[0]},
            format="json",
        )
        self.assertEqual(response.status_code, 200, response.content)
