"""`python -m bench.worker TASK [ARGS]`: one measurement inside a Django process.

The harness runs this with DATABASE_URL pointing at the database under test and reads the
last `BENCH-RESULT {json}` line it prints.
"""

from __future__ import annotations

import json
import os
import resource
import sys
from collections.abc import Callable
from typing import Any

from .common import RESULT_PREFIX


def _analyze(args: list[str]) -> dict[str, Any]:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("ANALYZE")
    return {"ok": True}


def _info(args: list[str]) -> dict[str, Any]:
    from shequ.registry.models import Area, Resident

    return {"areas": Area.objects.count(), "residents": Resident.objects.count()}


def _search(args: list[str]) -> dict[str, Any]:
    from .search import run

    return run(per_kind=int(args[0]) if args else 30)


def _figures(args: list[str]) -> dict[str, Any]:
    from .figures import run

    return run()


def _api_setup(args: list[str]) -> dict[str, Any]:
    from .apidata import setup

    return setup()


def _make_files(args: list[str]) -> dict[str, Any]:
    from .importfile import make_files

    return make_files(count=int(args[0]), stem=args[1])


def _import_shequ(args: list[str]) -> dict[str, Any]:
    from .importbench import shequ_import

    return shequ_import(args[0])


def _import_raw(args: list[str]) -> dict[str, Any]:
    from .importbench import raw_load

    return raw_load(args[0])


def _import_iie(args: list[str]) -> dict[str, Any]:
    from .importbench import iie_import

    return iie_import(args[0], int(args[1]))


TASKS: dict[str, Callable[[list[str]], dict[str, Any]]] = {
    "analyze": _analyze,
    "info": _info,
    "search": _search,
    "figures": _figures,
    "api-setup": _api_setup,
    "make-files": _make_files,
    "import-shequ": _import_shequ,
    "import-raw": _import_raw,
    "import-iie": _import_iie,
}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.settings")
    import django

    django.setup()
    task, args = sys.argv[1], sys.argv[2:]
    result = TASKS[task](args)
    result.setdefault("peak_rss_mb", round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1))
    print(RESULT_PREFIX + json.dumps(result, default=str), flush=True)


if __name__ == "__main__":
    main()
