"""`field__under="330723.001"`: rows whose materialised path starts with a prefix (DESIGN rule 1).

The same rows as `__startswith`, written for each database's index: PostgreSQL reads
`LIKE 'prefix%'` through the `varchar_pattern_ops` path indexes; SQLite cannot use an index for
LIKE (its LIKE ignores case, the index does not), so it gets the equivalent range
`path >= 'prefix' AND path < 'prefiy'`, which it reads from the index instead of scanning the table.
"""

from __future__ import annotations

from typing import Any

from django.db.models import CharField
from django.db.models.lookups import StartsWith


class Under(StartsWith):
    # Keeps StartsWith's `lookup_name`: the backends' operator tables are keyed by it. Registered
    # below under its own name.

    def as_sqlite(self, compiler: Any, connection: Any) -> tuple[str, Any]:
        prefix = self.rhs
        if not isinstance(prefix, str) or not prefix or ord(prefix[-1]) >= 0x10FFFF:
            return super().as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        # Under binary collation (SQLite's default), the strings that start with `prefix` are exactly
        # those from `prefix` up to, not including, `prefix` with its last character incremented.
        upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        return f"({lhs} >= %s AND {lhs} < %s)", (*lhs_params, prefix, *lhs_params, upper)


CharField.register_lookup(Under, lookup_name="under")
