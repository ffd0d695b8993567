from django.db import IntegrityError, transaction
from django.test import TestCase

from tokens.tests.support import PASSWORD, make_user


class UserModelTests(TestCase):
    def test_the_custom_user_model_is_in_use(self):
        from django.contrib.auth import get_user_model

        self.assertEqual(get_user_model()._meta.label, "accounts.User")

    def test_email_is_unique_regardless_of_case(self):
        make_user("alice", email="alice@example.com")
        with self.assertRaises(IntegrityError), transaction.atomic():
            make_user("alice2", email="ALICE@example.COM")
        make_user("nomail1", email="")
        make_user("nomail2", email="")

    def test_login_by_email_is_case_insensitive(self):
        from django.contrib.auth import authenticate

        user = make_user("alice", email="alice@example.com")
        self.assertEqual(authenticate(username="Alice@Example.com", password=PASSWORD), user)
        self.assertIsNone(authenticate(username="alice@example.com", password="wrong"))
