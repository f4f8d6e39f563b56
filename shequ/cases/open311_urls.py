"""Open311 GeoReport v2 URLs, mounted at /open311/v2/ (docs/open311.md).

Every resource ends in .json or .xml; service codes contain dots (sanitation.garbage), so the
format is whatever follows the last dot.
"""

from django.urls import path, re_path

from .open311 import views

app_name = "open311"

FORMAT = r"\.(?P<fmt>[^./]+)$"

urlpatterns = [
    path("", views.discovery, name="root"),
    re_path(r"^discovery" + FORMAT, views.discovery, name="discovery"),
    re_path(r"^services" + FORMAT, views.service_list, name="services"),
    re_path(r"^services/(?P<service_code>[^/]+)" + FORMAT, views.service_definition, name="service"),
    re_path(r"^requests" + FORMAT, views.service_requests, name="requests"),
    re_path(r"^requests/(?P<service_request_id>[^/]+)" + FORMAT, views.service_request, name="request"),
    re_path(r"^tokens/(?P<token_id>[^/]+)" + FORMAT, views.token, name="token"),
    re_path(r"^media/(?P<signed>[^/.]+)\.(?P<ext>[a-z]+)$", views.media, name="media"),
    re_path(r"", views.not_found),
]
