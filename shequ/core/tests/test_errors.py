"""Every API error has one shape, `{"code", "detail", "fields"}` (DESIGN rule 4)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory

from shequ.core.errors import RuleError

factory = APIRequestFactory()


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Assertions below read the English msgids; pages show the Chinese translations."""
    with translation.override("en"):
        yield


class ResidentInput(serializers.Serializer):
    name = serializers.CharField(max_length=4)
    address = serializers.DictField(child=serializers.CharField(), required=False)


def _view_raising(exc: Callable[[], Exception]) -> Any:
    @api_view(["POST"])
    @permission_classes([AllowAny])
    def view(request: Any) -> Response:
        raise exc()

    return view


def _call(exc: Callable[[], Exception]) -> Any:
    response = _view_raising(exc)(factory.post("/x", {}, format="json"))
    assert set(response.data) == {"code", "detail", "fields"}, response.data
    assert isinstance(response.data["detail"], str)
    return response


def test_rule_error_is_a_400_with_its_code_and_field_messages() -> None:
    response = _call(
        lambda: RuleError(
            "duplicate_id_number", _("Already registered."), fields={"id_number": [_("Already registered.")]}
        )
    )
    assert response.status_code == 400
    assert response.data == {
        "code": "duplicate_id_number",
        "detail": "Already registered.",
        "fields": {"id_number": ["Already registered."]},
    }


def test_rule_error_as_dict_turns_lazy_messages_into_text() -> None:
    data = RuleError("x", _("Wrong username or password."), fields={"a": [_("Required.")]}).as_dict()
    assert data == {"code": "x", "detail": "Wrong username or password.", "fields": {"a": ["Required."]}}
    assert str(RuleError("x", "message")) == "message"


def test_drf_validation_error_from_a_serializer_lists_the_fields() -> None:
    @api_view(["POST"])
    @permission_classes([AllowAny])
    def view(request: Any) -> Response:
        s = ResidentInput(data=request.data)
        s.is_valid(raise_exception=True)
        return Response(s.data)

    response = view(factory.post("/x", {"name": "欧阳娜娜娜", "address": {"room": ""}}, format="json"))
    assert response.status_code == 400
    assert response.data["code"] == "invalid"
    assert set(response.data["fields"]) == {"name", "address.room"}
    assert all(isinstance(m, str) for msgs in response.data["fields"].values() for m in msgs)


def test_drf_non_field_error_becomes_the_detail() -> None:
    response = _call(lambda: exceptions.ValidationError("Choose a grid."))
    assert response.status_code == 400
    assert response.data["detail"] == "Choose a grid."
    assert response.data["fields"] == {"non_field_errors": ["Choose a grid."]}


def test_django_validation_error_is_a_400() -> None:
    response = _call(lambda: DjangoValidationError({"phone": ["Not a phone number."]}))
    assert response.status_code == 400
    assert response.data["code"] == "invalid"
    assert response.data["fields"] == {"phone": ["Not a phone number."]}
    response = _call(lambda: DjangoValidationError("Bad."))
    assert response.data["fields"] == {"non_field_errors": ["Bad."]}


def test_http404_is_a_404_in_the_same_shape() -> None:
    response = _call(Http404)
    assert response.status_code == 404
    assert response.data["code"] == "not_found"
    assert response.data["fields"] == {}


def test_permission_denied_is_a_403_in_the_same_shape() -> None:
    response = _call(PermissionDenied)
    assert response.status_code == 403
    assert response.data["code"] == "permission_denied"


def test_not_authenticated_is_in_the_same_shape() -> None:
    response = _call(exceptions.NotAuthenticated)
    assert response.status_code in (401, 403)
    assert response.data["code"] == "not_authenticated"


def test_throttled_is_a_429_in_the_same_shape() -> None:
    response = _call(lambda: exceptions.Throttled(wait=30))
    assert response.status_code == 429
    assert response.data["code"] == "throttled"


@pytest.mark.parametrize("exc", [KeyError, ZeroDivisionError])
def test_unexpected_exceptions_are_not_swallowed(exc: type[Exception]) -> None:
    with pytest.raises(exc):
        _view_raising(exc)(factory.post("/x", {}, format="json"))
