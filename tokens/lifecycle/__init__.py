"""The account lifecycle: sign-up, e-mail verification, password reset and e-mail change."""
