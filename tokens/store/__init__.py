"""Redis: the copy of the session record, and the short-lived state and counters kept beside it;
key names, the connection, and the atomic commands on them.
"""
