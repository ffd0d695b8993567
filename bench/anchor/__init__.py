"""A stock djangorestframework-simplejwt project: the yardstick for the project's refresh."""
