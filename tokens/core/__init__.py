"""The core of the session layer: token classes, signing keys, the clock and the services that
combine them.
"""
