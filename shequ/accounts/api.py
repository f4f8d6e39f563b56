from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.exceptions import Throttled
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from shequ.core.http import client_ip
from shequ.core.inputs import CharField

from . import selectors, services
from .typing import acting_user


class TokenRequestSerializer(serializers.Serializer):
    username = CharField(max_length=150)
    password = serializers.CharField(max_length=256, trim_whitespace=False, style={"input_type": "password"})


class ObtainTokenView(APIView):
    """Exchange a username and password for an API token (`Authorization: Token ...`)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: inline_serializer(
                "TokenResponse", {"token": serializers.CharField(), "expiry": serializers.DateTimeField()}
            )
        },
    )
    def post(self, request: Request) -> Response:
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            user = services.log_in(request._request, **data.validated_data)
        except services.LoginThrottled as exc:
            raise Throttled(wait=exc.wait, detail=str(exc.message)) from exc
        key, instance = services.issue_api_token(user, by=user, ip_address=client_ip(request._request))
        expiry = serializers.DateTimeField().to_representation(instance.expiry) if instance.expiry else None
        return Response({"token": key, "expiry": expiry})


class TokenSerializer(serializers.Serializer):
    """One of the caller's API tokens, never its key: `id` is knox's look-up prefix of it."""

    id = serializers.CharField(source="token_key", read_only=True)
    created = serializers.DateTimeField(read_only=True)
    expiry = serializers.DateTimeField(read_only=True, allow_null=True)


class TokenViewSet(viewsets.ViewSet):
    """The caller's own API tokens: list them, revoke one. Nobody sees or revokes another's here."""

    permission_classes = [IsAuthenticated]
    lookup_field = "id"
    lookup_value_regex = "[A-Za-z0-9]+"

    @extend_schema(responses={200: TokenSerializer(many=True)})
    def list(self, request: Request) -> Response:
        tokens = selectors.live_tokens_of(acting_user(request))
        return Response(TokenSerializer(tokens, many=True).data)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, id: str) -> Response:
        token = selectors.live_tokens_of(acting_user(request)).filter(token_key=id).first()
        if token is None:
            raise Http404
        services.revoke_api_token(token, by=acting_user(request), ip_address=client_ip(request._request))
        return Response(status=204)
