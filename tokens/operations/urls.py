"""The operator's routes: liveness, readiness and metrics, included at the site's root."""

from django.urls import path

from tokens.operations.exposition import MetricsView
from tokens.operations.health import HealthView, ReadyView

urlpatterns = [
    path("healthz", HealthView.as_view(), name="healthz"),
    path("readyz", ReadyView.as_view(), name="readyz"),
    path("metrics", MetricsView.as_view(), name="metrics"),
]
