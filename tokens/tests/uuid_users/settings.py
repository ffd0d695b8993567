"""The project's settings with the UUID, e-mail user of ``tokens.tests.uuid_users`` instead of
``accounts``.
"""

from config.settings import *
from config.settings import INSTALLED_APPS

INSTALLED_APPS = [app for app in INSTALLED_APPS if app != "accounts"] + ["tokens.tests.uuid_users"]
AUTH_USER_MODEL = "uuid_users.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
