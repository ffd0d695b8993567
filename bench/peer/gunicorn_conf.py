"""gunicorn's settings for the peer: none (the project's gunicorn.conf.py serves its metrics)."""
