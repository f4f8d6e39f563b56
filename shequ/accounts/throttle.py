"""A limit on failed logins per client address, kept in the Django cache (no table, no extra service).

The per-account lock-out (SHEQU_LOGIN_MAX_FAILURES) stops guessing one account's password; this
stops trying a few common passwords on many accounts from one address (password spraying), which
never locks any single account. A rate reads like DRF's, with an optional multiple of the period:
"30/15min", "100/hour", "10/30s". Generic enough for other apps' limits (accounts sits low in the
import order, so any domain app may use it).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

from shequ.core import http

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
    """ "30/15min" → Rate(30, 900); "100/hour" → Rate(100, 3600). A malformed value is a set-up error."""
    m = _RATE.match(text or "")
    if m is None or int(m["count"]) < 1 or (m["many"] and int(m["many"]) < 1):
        raise ImproperlyConfigured(
            f"Rate {text!r} is not of the form '30/15min', '100/hour', '5/min' or '1000/day'."
        )
    seconds = _PERIODS[m["unit"][0].lower()] * (int(m["many"]) if m["many"] else 1)
    return Rate(count=int(m["count"]), seconds=seconds)


def client_ip(request: HttpRequest) -> str:
    """The client's address as a throttle key (`core.http.client_ip`); "unknown" when there is none."""
    return http.client_ip(request) or "unknown"


class FixedWindowLimit:
    """At most `rate.count` hits per key in each window of `rate.seconds`. The counter is one cache
    key per window, raised with `incr`, which is atomic on Redis and Memcached, so several app
    servers sharing that cache count together."""

    def __init__(self, name: str, rate: Rate) -> None:
        self.name = name
        self.rate = rate

    def _window(self, now: float) -> int:
        return int(now // self.rate.seconds)

    def _key(self, key: str, window: int) -> str:
        return f"shequ:limit:{self.name}:{window}:{key}"

    def wait_seconds(self, key: str) -> int:
        """0 while `key` may go on; otherwise the seconds until its window ends."""
        now = time.time()
        window = self._window(now)
        if (cache.get(self._key(key, window)) or 0) < self.rate.count:
            return 0
        return max(1, int((window + 1) * self.rate.seconds - now + 0.999))

    def hit(self, key: str) -> None:
        window = self._window(time.time())
        cache_key = self._key(key, window)
        cache.add(cache_key, 0, self.rate.seconds + 1)
        try:
            cache.incr(cache_key)
        except ValueError:  # expired between add and incr
            cache.set(cache_key, 1, self.rate.seconds + 1)


def failed_logins() -> FixedWindowLimit:
    return FixedWindowLimit("login-failures", parse_rate(settings.SHEQU_LOGIN_IP_RATE))
