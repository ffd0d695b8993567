"""The core of the session layer: token classes, signing keys, the clock, and the modules that
combine them with the store and the database to issue, rotate, find and revoke sessions.
"""
