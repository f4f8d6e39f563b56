"""What a request says about its client, read once for every app (throttles, the audit log)."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest | None) -> str | None:
    """The address the request came from, or None when there is none to read (a job, a test).

    Behind SHEQU_NUM_PROXIES reverse proxies it is the one the outermost proxy saw: each proxy
    appends its peer to X-Forwarded-For, and anything before those entries was written by the
    client, so it is not trusted (nor is the header without proxies)."""
    if request is None:
        return None
    address = str(request.META.get("REMOTE_ADDR") or "")
    proxies = settings.SHEQU_NUM_PROXIES
    if proxies > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if hops:
            address = hops[-min(proxies, len(hops))]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None
