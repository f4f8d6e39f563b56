"""Rate limits for the public portal, kept in the Django cache (no table, no extra service).

A limit reads like DRF's throttle rates, with an optional multiple of the period
("10/hour", "5/min", "10/15min"); rates and client addresses are read by shequ.accounts.throttle.
"""

from __future__ import annotations

import time

from django.core.cache import cache

# One reading of rates and client addresses for every limit in the project (accounts sits lower).
from shequ.accounts.throttle import Rate, client_ip, parse_rate

__all__ = ["Limiter", "Rate", "client_ip", "parse_rate"]


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
