"""The project's settings without second factors: no ``tokens.mfa`` app, ``SECOND_FACTORS`` off and
no second-factor stage in the login pipeline, as docs/quickstart.md tells a project to do it.

A test database and a Redis of its own (``REDIS_URL``, from the test that runs it), so it can run
while the project's suite holds its own.
"""

from config.settings import *
from config.settings import DATABASES, INSTALLED_APPS, TOKENS, VAR_DIR

INSTALLED_APPS = [app for app in INSTALLED_APPS if app != "tokens.mfa"]
TOKENS = {
    **TOKENS,
    "SECOND_FACTORS": False,
    "LOGIN_STAGES": [
        "tokens.flows.IdentifyStage",
        "tokens.flows.CheckSecretStage",
        "tokens.flows.AccountStateStage",
        "tokens.flows.OpenSessionStage",
        "tokens.flows.RespondStage",
    ],
}

_database = DATABASES["default"]
_test_name = (
    str(VAR_DIR / "test-db-without-mfa.sqlite3")
    if _database["ENGINE"].endswith("sqlite3")
    else f"test_{_database['NAME']}_without_mfa"
)
DATABASES = {"default": {**_database, "TEST": {**_database.get("TEST", {}), "NAME": _test_name}}}
