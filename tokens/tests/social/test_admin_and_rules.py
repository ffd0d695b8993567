"""The admin's linked identities, and the last-way-in rule's other ways, also under concurrent
unlinks."""

import threading
import time
from unittest import skipUnless

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connections, transaction
from django.test import (
    SimpleTestCase,
    TestCase,
    TransactionTestCase,
    modify_settings,
    override_settings,
)

from tokens import checks
from tokens.exceptions import SocialError
from tokens.mfa.models import Passkey
from tokens.social import accounts, providers
from tokens.social.models import SocialIdentity
from tokens.tests.support import make_user, uses_accounts


@skipUnless(uses_accounts(), "written for the project's own user model (accounts.User)")
class AdminTests(TestCase):
    def setUp(self):
        self.staff = get_user_model().objects.create_superuser(
            "root", "root@example.com", "pw-12345-long"
        )
        self.client.force_login(self.staff)
        self.alice = make_user("alice")
        self.row = SocialIdentity.objects.create(
            user=self.alice,
            provider="google",
            issuer="https://accounts.google.com",
            subject="1234567890",
            email="alice.g@example.com",
        )

    def test_identities_list_is_searchable_by_subject_issuer_and_address(self):
        for term in ("1234567890", "accounts.google", "alice.g@"):
            with self.subTest(term):
                response = self.client.get("/admin/tokens_social/socialidentity/", {"q": term})
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, "alice.g@example.com")
        response = self.client.get("/admin/tokens_social/socialidentity/", {"q": "nobody"})
        self.assertNotContains(response, "alice.g@example.com")

    def test_user_page_shows_the_linked_identities(self):
        response = self.client.get(f"/admin/accounts/user/{self.alice.pk}/change/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "1234567890")

    def test_users_list_finds_a_user_by_an_identitys_subject(self):
        response = self.client.get("/admin/accounts/user/", {"q": "1234567890"})
        self.assertContains(response, "alice@example.com")

    def test_no_identity_is_typed_in_by_hand(self):
        self.assertEqual(
            self.client.get("/admin/tokens_social/socialidentity/add/").status_code, 403
        )


class LastWayInTests(TestCase):
    def setUp(self):
        self.user = make_user("alice")
        self.user.set_unusable_password()
        self.user.save()
        self.row = SocialIdentity.objects.create(
            user=self.user, provider="idp", issuer="i", subject="s"
        )

    def test_the_only_identity_of_an_account_without_password_is_its_last_way_in(self):
        self.assertFalse(accounts.has_other_way_in(self.user, self.row))

    def test_a_passkey_is_another_way_in(self):
        Passkey.objects.create(
            user=self.user, name="key", credential_id="c", public_key=b"p", user_handle="h"
        )
        self.assertTrue(accounts.has_other_way_in(self.user, self.row))

    def test_a_password_is_another_way_in(self):
        self.user.set_password("another-long-password-1")
        self.assertTrue(accounts.has_other_way_in(self.user, self.row))


class ConcurrentUnlinkTests(TransactionTestCase):
    def test_two_unlinks_at_once_never_leave_the_account_without_a_way_in(self):
        user = make_user("alice")
        user.set_unusable_password()
        user.save()
        first, second = (
            SocialIdentity.objects.create(user=user, provider="idp", issuer="i", subject=subject)
            for subject in ("s1", "s2")
        )
        checked = threading.Event()

        def other_unlink():
            # Another request unlinks the second identity: it has seen the first and holds its
            # transaction open a moment before it commits.
            try:
                with transaction.atomic():
                    self.assertTrue(accounts.unlink(None, user, second.pk))
                    checked.set()
                    time.sleep(0.5)
            finally:
                connections.close_all()

        worker = threading.Thread(target=other_unlink)
        worker.start()
        self.assertTrue(checked.wait(10))
        try:
            with self.assertRaises(SocialError) as refused:
                accounts.unlink(None, user, first.pk)
            self.assertEqual(refused.exception.code, "last_login_method")
        finally:
            worker.join()
        self.assertEqual(list(SocialIdentity.objects.values_list("pk", flat=True)), [first.pk])


class FeatureAppCheckTests(SimpleTestCase):
    def test_setting_on_without_the_app(self):
        with modify_settings(INSTALLED_APPS={"remove": "tokens.social"}):
            self.assertIn("tokens.E019", [e.id for e in checks.check_feature_apps(None)])

    def test_app_without_the_setting(self):
        with override_settings(TOKENS={**settings.TOKENS, "SOCIAL_LOGIN": False}):
            self.assertIn("tokens.E020", [e.id for e in checks.check_feature_apps(None)])

    def test_provider_keys_in_either_case(self):
        provider = providers.build("sso", {"ISSUER": "https://sso.example.com", "CLIENT_ID": "c"})
        self.assertEqual((provider.issuer, provider.client_id), ("https://sso.example.com", "c"))

    def test_trust_email_given_as_text_is_on_only_for_true(self):
        # A security switch: "false" or "0" from a project's own environment reading stays off.
        for given, trusted in (("false", False), ("0", False), ("no", False), ("true", True)):
            with self.subTest(given):
                provider = providers.build(
                    "sso", {"issuer": "https://sso.example.com", "trust_email": given}
                )
                self.assertIs(provider.trust_email, trusted)
        self.assertFalse(providers.build("google", {"trust_email": False}).trust_email)

    def test_audiences_given_as_text_are_comma_separated_ids(self):
        # Not each character of the text as an accepted aud.
        provider = providers.build("google", {"client_id": "web", "audiences": "ios-app, droid"})
        self.assertEqual(provider.audiences_accepted, ("web", "ios-app", "droid"))


class ProviderCheckTests(SimpleTestCase):
    def ids(self, **providers_on):
        with override_settings(TOKENS={**settings.TOKENS, "SOCIAL_PROVIDERS": providers_on}):
            return [e.id for e in checks.check_social_providers(None)]

    def test_a_provider_without_client_id(self):
        self.assertEqual(self.ids(google={}), ["tokens.E021"])

    def test_a_generic_provider_without_issuer(self):
        self.assertEqual(self.ids(sso={"client_id": "c"}), ["tokens.E022"])

    def test_complete_providers(self):
        self.assertEqual(
            self.ids(google={"client_id": "c"}, sso={"CLIENT_ID": "c", "ISSUER": "https://s"}), []
        )
