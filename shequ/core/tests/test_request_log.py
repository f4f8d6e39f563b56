"""The log: one line per request (method, path, status, duration, user id) with an ISO date;
refused requests (403, 404, 400) without a traceback, and only 500s with one, printed once."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import include, path, reverse

from shequ.accounts.roles import Role
from shequ.testing import County, make_user


def _boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("the figures job left a half-written row")


# This module is also the URLconf of the 500 test: the site plus one view that fails.
urlpatterns = [path("boom/", _boom), path("", include("shequ.urls"))]
handler500 = "shequ.core.error_pages.server_error"

LINE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} (INFO|WARNING|ERROR) shequ\.request (.*)$")


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """What the configured console handler writes (settings.LOGGING), in a string."""
    handlers = [h for h in logging.getLogger().handlers if type(h) is logging.StreamHandler]
    assert handlers, "settings.LOGGING has no console handler"
    stream = io.StringIO()
    old = [h.setStream(stream) for h in handlers]
    yield stream
    for handler, previous in zip(handlers, old, strict=True):
        handler.setStream(previous)


def request_lines(text: str) -> list[str]:
    return [m[2] for line in text.splitlines() if (m := LINE.match(line))]


@pytest.mark.django_db
def test_a_refused_request_is_one_line_without_a_traceback(county: County, log_output: io.StringIO) -> None:
    volunteer = make_user(Role.VOLUNTEER, county.community_a1)
    client = Client()
    client.force_login(volunteer)
    client.get(reverse("cases:todo"))  # 403 from the permission decorator
    outsider = Client()
    outsider.force_login(make_user(Role.COMMUNITY_WORKER, county.community_a1))
    outsider.get(reverse("registry:resident_detail", args=[county.residents["b11"].pk]))  # 404
    text = log_output.getvalue()
    lines = request_lines(text)
    assert len(lines) == 2, text
    assert re.fullmatch(rf"GET /cases/todo/ 403 \d+ms user={volunteer.pk}", lines[0])
    assert lines[1].startswith(f"GET /registry/residents/{county.residents['b11'].pk}/ 404 ")
    assert "Traceback" not in text
    assert len(text.strip().splitlines()) == 2  # nothing else: no second copy, no "Forbidden (...)"


@pytest.mark.django_db
def test_an_anonymous_request_logs_no_user_and_no_query_string(log_output: io.StringIO) -> None:
    Client().get("/portal/?q=13800138000")
    (line,) = request_lines(log_output.getvalue())
    assert re.fullmatch(r"GET /portal/ \d{3} \d+ms user=-", line)
    assert "13800138000" not in log_output.getvalue()


@pytest.mark.django_db
@pytest.mark.urls("shequ.core.tests.test_request_log")
def test_a_500_logs_its_line_and_one_traceback(log_output: io.StringIO) -> None:
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    text = log_output.getvalue()
    assert text.count("Traceback") == 1
    assert "the figures job left a half-written row" in text
    assert re.fullmatch(r"GET /boom/ 500 \d+ms user=-", request_lines(text)[0])


def test_django_records_reach_one_handler_even_with_debug_on(settings: Any) -> None:
    """Django's own console handler on "django" printed each record (with DEBUG on) before the
    root handler printed it again: count the handlers a record of Django's passes through."""
    settings.DEBUG = True
    record = logging.LogRecord("django.security.csrf", logging.WARNING, __file__, 1, "x", None, None)
    logger: logging.Logger | None = logging.getLogger(record.name)
    writers = []
    while logger is not None:
        writers += [
            h
            for h in logger.handlers
            if record.levelno >= h.level and h.filter(record) and not type(h).__module__.startswith("_pytest")
        ]
        logger = logger.parent if logger.propagate else None
    assert len(writers) == 1
