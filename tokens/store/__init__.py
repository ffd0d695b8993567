"""The Redis copy of the session record: key names and the atomic commands on them."""
