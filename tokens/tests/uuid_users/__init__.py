"""A second configuration for the token tests: a UUID-keyed user that logs in by e-mail.

Built on ``AbstractBaseUser`` without first or last names, so the tests show the tokens app
assumes nothing of the user model beyond its primary key, ``USERNAME_FIELD`` and ``is_active``.
Run the suite against it with ``pytest --ds=tokens.tests.uuid_users.settings tokens``.
"""
