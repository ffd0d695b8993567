"""The project's settings without accounts: no ``tokens.lifecycle`` app and ``ACCOUNTS`` off, as
docs/quickstart.md tells a project to do it (sign-up, verification, reset and address change are
then the project's own business).

A test database and a Redis of its own (``REDIS_URL``, from the test that runs it), so it can run
while the project's suite holds its own.
"""

from config.settings import *
from config.settings import DATABASES, INSTALLED_APPS, TOKENS, VAR_DIR

INSTALLED_APPS = [app for app in INSTALLED_APPS if app != "tokens.lifecycle"]
TOKENS = {**TOKENS, "ACCOUNTS": False}

_database = DATABASES["default"]
_test_name = (
    str(VAR_DIR / "test-db-without-accounts.sqlite3")
    if _database["ENGINE"].endswith("sqlite3")
    else f"test_{_database['NAME']}_without_accounts"
)
DATABASES = {"default": {**_database, "TEST": {**_database.get("TEST", {}), "NAME": _test_name}}}
