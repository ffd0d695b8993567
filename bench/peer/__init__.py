"""The closest peer: django-jwt-allauth in its documented set-up (bench/README.md)."""
