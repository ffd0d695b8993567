"""Tests that start real processes: servers, browsers, clusters, private Redis servers to pause."""
