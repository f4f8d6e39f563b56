"""Rate limits for the public portal, kept in the Django cache (no table, no extra service).

A limit reads like DRF's throttle rates, with an optional multiple of the period:
"10/hour", "5/min", "10/15min", "100/day", "3/30s".
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(
    r"^\s*(?P<count>\d+)\s*/\s*(?P<many>\d*)\s*(?P<unit>s|sec|second|m|min|minute|h|hour|d|day)s?\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int


def parse_rate(text: str) -> Rate:
    """ "10/hour" → Rate(10, 3600); "10/15min" → Rate(10, 900). A malformed value is a set-up error."""
    m = _RATE.match(text or "")
    if m is None or int(m["count"]) < 1 or (m["many"] and int(m["many"]) < 1):
        raise ImproperlyConfigured(
            f"Rate {text!r} is not of the form '10/hour', '5/min', '10/15min' or '100/day'."
        )
    seconds = _PERIODS[m["unit"][0].lower()] * (int(m["many"]) if m["many"] else 1)
    return Rate(count=int(m["count"]), seconds=seconds)


def client_ip(request: HttpRequest) -> str:
    """The address the request came from. Behind SHEQU_NUM_PROXIES reverse proxies it is the one
    the outermost proxy saw: each proxy appends its peer to X-Forwarded-For, and anything before
    those entries was written by the client, so it is not trusted."""
    proxies = settings.SHEQU_NUM_PROXIES
    if proxies > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if hops:
            return hops[-min(proxies, len(hops))]
    return str(request.META.get("REMOTE_ADDR") or "unknown")


class Limiter:
    """At most `rate.count` hits per key within a sliding window of `rate.seconds`."""

    def __init__(self, name: str, rate: Rate) -> None:
        self.name = name
        self.rate = rate

    def _key(self, key: str) -> str:
        return f"shequ:portal:{self.name}:{key}"

    def _recent(self, key: str, now: float) -> list[float]:
        hits = cache.get(self._key(key)) or []
        return [t for t in hits if t > now - self.rate.seconds]

    def wait_seconds(self, *keys: str) -> int:
        """0 if every key may go on; otherwise how long until the oldest counted hit expires."""
        now = time.time()
        wait = 0.0
        for key in keys:
            hits = self._recent(key, now)
            if len(hits) >= self.rate.count:
                wait = max(wait, hits[-self.rate.count] + self.rate.seconds - now)
        return max(int(wait + 0.999), 1) if wait > 0 else 0

    def hit(self, *keys: str) -> None:
        now = time.time()
        for key in keys:
            hits = [*self._recent(key, now), now][-self.rate.count :]
            cache.set(self._key(key), hits, self.rate.seconds)
