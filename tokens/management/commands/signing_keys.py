from django.core.management.base import BaseCommand, CommandError

from tokens.conf import token_settings
from tokens.core import clock, signing_keys


class Command(BaseCommand):
    help = (
        "Manage the asymmetric access token signing keys in SIGNING_KEYS_DIR: generate the first "
        "key, "
        "rotate to a new one (earlier keys keep verifying for ACCESS_TOKEN_LIFETIME), list them."
    )
    # This command creates the key that check tokens.E004 asks for, so that check must not stop it;
    # it
    # touches nothing but the key directory, so no other check concerns it either.
    requires_system_checks = ()

    def add_arguments(self, parser):
        parser.add_argument("action", choices=("generate", "rotate", "list"))
        parser.add_argument(
            "--algorithm",
            choices=tuple(signing_keys.ASYMMETRIC),
            help="algorithm of the new key (default: ACCESS_ALGORITHM)",
        )
        parser.add_argument("--dir", help="key directory (default: SIGNING_KEYS_DIR)")

    def handle(self, *args, action, algorithm=None, dir=None, **options):
        directory = dir or token_settings.SIGNING_KEYS_DIR
        if not directory:
            raise CommandError("SIGNING_KEYS_DIR is not set and no --dir was given.")
        keys = signing_keys.KeyDirectory(directory)
        if action == "list":
            return self.list(keys)
        algorithm = algorithm or token_settings.ACCESS_ALGORITHM
        if algorithm not in signing_keys.ASYMMETRIC:
            raise CommandError(
                f"{algorithm} keys are not kept in a directory: give --algorithm RS256, ES256 "
                f"or EdDSA (or set ACCESS_ALGORITHM)."
            )
        try:
            if action == "generate":
                new = keys.generate(algorithm)
            else:
                new, dropped = keys.rotate(algorithm)
                for key in dropped:
                    self.stdout.write(f"Dropped {key.kid}: its tokens have all expired.")
        except signing_keys.SigningKeyError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"New {new.algorithm} signing key {new.kid} in {directory}.")

    def list(self, keys):
        now = clock.now()
        for key in keys.load():
            if key.retired_at is None:
                state = "active"
            elif key.verifies_at(now):
                until = clock.to_datetime(key.retired_at + token_settings.ACCESS_TOKEN_LIFETIME)
                state = f"retired, verifies until {until:%Y-%m-%d %H:%M:%S}Z"
            else:
                state = "expired (dropped at the next rotation)"
            created = clock.to_datetime(key.created_at)
            self.stdout.write(
                f"{key.kid}  {key.algorithm:<6} created {created:%Y-%m-%d %H:%M:%S}Z  {state}"
            )
