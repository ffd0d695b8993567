"""Second factors (TOTP, recovery codes, passkeys), the login step they add, and step-up."""
