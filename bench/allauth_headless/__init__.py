"""A second peer: django-allauth's headless API, JWT validated statefully (bench/README.md)."""
