"""The second factors' and the account lifecycle's models move to their own apps (``tokens.mfa``,
``tokens.lifecycle``), which take them over in their ``0001_initial``. The state alone changes: the
tables, their rows and their names stay as they are.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = (("tokens", "0011_factor_added_reason"),)

    operations = (
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="TotpFactor"),
                migrations.DeleteModel(name="RecoveryCode"),
                migrations.DeleteModel(name="Passkey"),
                migrations.DeleteModel(name="EmailVerification"),
                migrations.DeleteModel(name="PasswordResetStamp"),
            ],
            database_operations=[],
        ),
    )
