"""/healthz for load balancers: no login, JSON, and a 503 when the database is gone."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client


@pytest.mark.django_db
def test_healthz_answers_ok_without_login() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"ok": True}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_does_not_answer() -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("connection refused")

    with mock.patch("shequ.core.health.connection.cursor", broken):
        response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"ok": False}


@pytest.mark.django_db
def test_healthz_refuses_writes() -> None:
    assert Client().post("/healthz").status_code == 405
