"""The project's URLs unchanged, plus ``/bench/floor/``.

Spliced in front of ``config.urls``'s own list, not included under it: an ``include("")``
would put one more resolver level in front of every request, which the project in production
(``ROOT_URLCONF = "config.urls"``) does not pay, so the bench would measure a cost nobody has.
"""

from django.urls import path

from bench.views import FloorView
from config.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    path("bench/floor/", FloorView.as_view()),
    *project_urlpatterns,
]
