"""Bulk import of residents (with their households, dwellings and buildings) from .xlsx or .csv.

The rules (DESIGN rule 3): every row is validated with the same `clean_resident` the API and the
pages use, plus placement checks (the grid exists and lies in the importer's scope); every good
row is stored and every bad row reported with its spreadsheet row number, column header and a
reason in Chinese. Running the same file again creates nothing new: residents are matched by the
keyed digest of their ID number (or by name + birth date + dwelling when there is no number),
changed fields are updated, identical rows are counted as unchanged. An import never deletes and
never blanks a stored value with an empty cell.

The file is streamed and stored in batches of `SHEQU_IMPORT_BATCH_SIZE` rows, each batch in its
own transaction, so a crash leaves whole batches behind and memory stays flat.
"""

from __future__ import annotations

import datetime as dt
import itertools
import operator
import re
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Max, Model
from django.db.models.base import ModelState
from django.utils import timezone, translation
from django.utils.translation import gettext
from simple_history.utils import bulk_update_with_history

from shequ.accounts.permissions import require
from shequ.accounts.roles import Perm
from shequ.accounts.scope import Scope, common_path, scope_for
from shequ.accounts.typing import Actor, person
from shequ.audit.services import record_event
from shequ.core import codes, sealed
from shequ.core.actors import System, refuse_missing_actor
from shequ.core.errors import RuleError
from shequ.core.excel import UnreadableFile, read_rows, template_workbook, write_xlsx
from shequ.core.models import CodeTable
from shequ.core.pinyin import name_keys
from shequ.places.models import Area, Grid
from shequ.registry.actions import RegistryAction

from . import import_cells, namegrams, pii, services
from .bulkwrite import write_rows
from .models import (
    Building,
    Dwelling,
    Household,
    HouseholdType,
    IdType,
    ImportJob,
    ImportStatus,
    ResidenceType,
    Resident,
    ResidentTag,
    TagType,
)
from .validation import RESIDENT_FIELDS as _RESIDENT_FIELDS
from .validation import clean_resident

__all__ = [
    "COLUMNS",
    "IGNORE",
    "ImportResult",
    "RowError",
    "UnreadableFile",
    "error_report",
    "match_header",
    "read_headers",
    "run_import",
    "run_job",
    "template_bytes",
    "unknown_headers",
]

# --- the header-synonym table -------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the header the template uses
    synonyms: tuple[str, ...] = ()


COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", ("名字", "居民姓名", "人员姓名")),
    Column("gender", "性别"),
    Column("id_type", "证件类型", ("证件种类",)),
    Column(
        "id_number",
        "公民身份号码",
        ("身份证号", "身份证号码", "身份证", "证件号码", "证件号", "身份证件号码"),
    ),
    Column("birth_date", "出生日期", ("出生年月日", "出生年月", "生日")),
    Column("ethnicity", "民族"),
    Column("political_status", "政治面貌"),
    Column("education", "文化程度", ("学历",)),
    Column("marital_status", "婚姻状况", ("婚姻状态", "婚否")),
    Column("phone", "联系电话", ("手机号", "手机号码", "手机", "电话", "电话号码", "联系方式")),
    Column("hukou_address", "户籍地址", ("户籍地", "户籍所在地", "户口所在地", "户籍详址")),
    Column("residence_type", "人员类型", ("人口类型", "居住类型")),
    Column("relation_to_head", "与户主关系", ("与户主的关系", "家庭关系", "关系")),
    Column("household_number", "户号", ("户编号", "户代码")),
    Column("grid", "所属网格", ("网格编码", "网格", "网格代码", "网格编号", "所属网格编码")),
    Column("estate", "小区", ("小区名称", "所在小区", "居住小区")),
    Column("building", "楼栋", ("楼号", "楼幢", "幢号", "栋号", "幢", "栋")),
    Column("unit", "单元", ("单元号",)),
    Column("room", "房号", ("门牌", "门牌号", "房号（门牌）", "房间号", "室号")),
    Column("workplace", "工作单位", ("工作单位及职务", "单位")),
    Column("tags", "标签", ("人员标签", "重点人群", "人员类别")),
    Column("notes", "备注", ("说明",)),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
IGNORE = ""  # a mapping value: drop this column
RESIDENT_FIELDS = frozenset(_RESIDENT_FIELDS)
PLACEMENT_FIELDS = ("community", "grid", "micro_grid", "dwelling", "household", "area_path")
HEAD_RELATION = "02"
HEADER_SCAN_ROWS = 10


def _normalize_header(text: Any) -> str:
    value = re.sub(r"[\s*＊:：]", "", import_cells.header_text(text))
    return value.replace("（", "(").replace("）", ")").lower()


_SYNONYMS: dict[str, str] = {}
for _column in COLUMNS:
    for _name in (_column.header, *_column.synonyms):
        _SYNONYMS[_normalize_header(_name)] = _column.key


def match_header(text: Any) -> str | None:
    """The field a header names: 身份证号码 → id_number; `房号(门牌)` and `*姓名` are forgiven."""
    norm = _normalize_header(text)
    if not norm:
        return None
    if norm in _SYNONYMS:
        return _SYNONYMS[norm]
    bare = re.sub(r"\(.*?\)", "", norm)
    return _SYNONYMS.get(bare)


def unknown_headers(headers: Iterable[Any], mapping: dict[str, str] | None = None) -> list[str]:
    mapping = mapping or {}
    out: list[str] = []
    for h in headers:
        text = _header_text(h)
        if (
            text
            and match_header(text) is None
            and text not in mapping
            and text not in out
            and not import_cells.is_row_number_header(text)
        ):
            out.append(text)
    return out


_header_text = import_cells.header_text


def _resolve_columns(
    headers: list[Any], mapping: dict[str, str]
) -> tuple[dict[int, str], dict[str, str], list[str]]:
    """Column index → field key; field key → the header as the file spells it; ignored headers."""
    by_index: dict[int, str] = {}
    header_of: dict[str, str] = {}
    ignored: list[str] = []
    for index, raw in enumerate(headers):
        text = _header_text(raw)
        if not text:
            continue
        key = mapping[text] if text in mapping else match_header(text)
        if not key or key not in COLUMN_BY_KEY or key in header_of:
            # Unknown, mapped to "ignore", or a second column for a field: the first one wins.
            ignored.append(text)
            continue
        by_index[index] = key
        header_of[key] = text
    return by_index, header_of, ignored


_is_blank = import_cells.is_blank


def _find_header(
    rows: Iterator[list[Any]], mapping: dict[str, str]
) -> tuple[int, list[Any], Iterator[tuple[int, list[Any]]]]:
    """Find the header row among the first rows (community sheets often carry a title above it).

    Returns its 1-based row number, its cells, and the numbered rows after it.
    """
    numbered = enumerate(rows, start=1)
    scanned: list[tuple[int, list[Any]]] = []
    for number, row in numbered:
        scanned.append((number, row))
        known = sum(1 for v in row if _header_text(v) and (match_header(v) or _header_text(v) in mapping))
        if known >= 2:
            rest = scanned[scanned.index((number, row)) + 1 :]
            return number, row, itertools.chain(rest, numbered)
        if len(scanned) >= HEADER_SCAN_ROWS:
            break
    non_blank = [(n, r) for n, r in scanned if not _is_blank(r)]
    if mapping and non_blank:
        number, row = non_blank[0]
        rest = [item for item in scanned if item[0] > number]
        return number, row, itertools.chain(rest, numbered)
    if not non_blank:
        raise UnreadableFile("文件是空的，没有找到表头")
    raise UnreadableFile("没有找到表头：前10行中没有可识别的列名（如“姓名”“公民身份号码”“所属网格”）")


def read_headers(
    path: Path | str, *, filename: str | None = None, mapping: dict[str, str] | None = None
) -> list[str]:
    """The header row of a file, for the mapping step. Raises UnreadableFile."""
    _check_file(path, filename)
    _, header, _rest = _find_header(read_rows(path, filename=filename), mapping or {})
    return [_header_text(h) for h in header if _header_text(h)]


def _check_file(path: Path | str, filename: str | None) -> None:
    name = (filename or str(path)).lower()
    if not name.endswith((".xlsx", ".xlsm", ".csv")):
        raise UnreadableFile("只支持 .xlsx 和 .csv 文件")
    if not Path(path).is_file():
        raise UnreadableFile("找不到文件")
    if Path(path).stat().st_size == 0:
        raise UnreadableFile("文件是空的")


# --- results ------------------------------------------------------------------------------------


@dataclass
class RowError:
    row: int
    column: str
    reason: str

    def line(self) -> str:
        return f"第{self.row}行 {self.column}: {self.reason}"

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "reason": self.reason}


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    skipped: int = 0  # blank and total rows: no person in them
    total_rows: int = 0
    processed_rows: int = 0
    dry_run: bool = False
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    def summary(self) -> str:
        line = (
            f"created={self.created} updated={self.updated} unchanged={self.unchanged} failed={self.failed}"
        )
        return f"{line} skipped={self.skipped}" if self.skipped else line

    def counts(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "skipped": self.skipped,
            "rows": self.processed_rows,
        }


ProgressCallback = Callable[[ImportResult], None]


# --- cells --------------------------------------------------------------------------------------


def _cell_text(value: Any) -> str:
    """Codes and numbers as typed: Excel turns 330723001001001 and 301 into numbers."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return str(value).strip()


def _split_names(text: str) -> list[str]:
    return [p for p in (s.strip() for s in re.split(r"[,，、;；/\s]+", text)) if p]


# --- the importer ------------------------------------------------------------------------------


@dataclass
class _Row:
    number: int
    raw: dict[str, Any]
    cleaned: dict[str, Any] = field(default_factory=dict)
    grid: Grid | None = None
    place: tuple[str, str, str, str] | None = None  # estate, building, unit, room
    household_number: str = ""
    tags: list[TagType] = field(default_factory=list)
    digest: str = ""
    errors: list[RowError] = field(default_factory=list)
    building: _BuildingRef | None = None
    dwelling_id: int | None = None
    household: _HouseholdRef | None = None


def _scope(by: Actor, perm: Perm) -> Scope:
    """A job or command (`System`) imports anywhere; a person within their scope."""
    return Scope(True) if isinstance(by, System) else scope_for(by, perm)


class _Importer:
    def __init__(
        self,
        *,
        by: Actor,
        dry_run: bool,
        header_of: dict[str, str],
        filename: str,
        job: ImportJob | None = None,
        ip_address: str | None = None,
    ) -> None:
        self.by = by
        self.job, self.ip_address, self.filename = job, ip_address, filename
        self.history_user = person(by)
        self.dry_run = dry_run
        self.id_conflicts: list[Resident] = []  # audited after the batch, which a check rolls back
        self.header_of = header_of
        self.reason = f"批量导入：{filename}"[:100]
        self.scope: Scope = _scope(by, Perm.IMPORT_REGISTRY)
        self.tag_scope: Scope = _scope(by, Perm.VIEW_KEY_POPULATIONS)
        self.today = timezone.localdate()
        self.grids: dict[str, Grid | None] = {}
        self.tags: dict[str, TagType] = {}
        for tag in TagType.objects.all():
            self.tags[tag.code.lower()] = tag
            self.tags[tag.name] = tag
        self.change_scope: Scope = _scope(by, Perm.CHANGE_REGISTRY)
        # De-duplication key → first row in the file. ID numbers are keyed by 128 bits of their
        # keyed digest as an int, which keeps a million-row file's table small.
        self.seen: dict[Any, int] = {}
        self.head_rows: dict[str, int] = {}  # "community:household number" → row naming its head
        self.name_keys: dict[str, tuple[str, str]] = {}
        self.resident_defaults: dict[str, Any] | None = None
        self._reset_places()

    def _reset_places(self) -> None:
        # Buildings, dwellings and households are loaded per community on first use.
        self.new_households: list[Household] = []
        self.communities: OrderedDict[int, _CommunityPlaces] = OrderedDict()

    def header(self, key: str) -> str:
        return self.header_of.get(key) or COLUMN_BY_KEY[key].header

    def fail(self, row: _Row, key: str, reason: Any) -> None:
        row.errors.append(RowError(row.number, self.header(key), str(reason)))

    # phase 1: everything that needs no writes ----------------------------------------------

    def parse(self, number: int, values: dict[str, Any]) -> _Row:
        row = _Row(number=number, raw=values)
        resident_raw = {k: v for k, v in values.items() if k in RESIDENT_FIELDS}
        if (
            isinstance(resident_raw.get("birth_date"), int | float)
            and 10000101 <= resident_raw["birth_date"] <= 99991231
        ):
            resident_raw["birth_date"] = str(int(resident_raw["birth_date"]))  # 20230105 typed as a number
        cleaned = clean_resident(resident_raw, today=self.today)
        for name, messages in cleaned.errors.items():
            for message in messages:
                self.fail(row, name if name in COLUMN_BY_KEY else "name", message)
        row.cleaned = cleaned.data
        self._parse_grid(row)
        self._parse_place(row)
        row.household_number = _cell_text(values.get("household_number"))
        self._parse_tags(row)
        if row.errors:
            return row
        number_text = cleaned.data.get("id_number", "")
        if number_text:
            row.digest = pii.id_digest(number_text)
            key: Any = int(row.digest[:32], 16)
            column = "id_number"
            reason = "与第{n}行重复（证件号码相同）"
        else:
            key = (
                "person",
                cleaned.data.get("name"),
                cleaned.data.get("birth_date"),
                row.grid.pk if row.grid else 0,
                row.place,
            )
            column = "name"
            reason = "与第{n}行重复（姓名、出生日期和住址相同）"
        if key in self.seen:
            self.fail(row, column, reason.format(n=self.seen[key]))
        else:
            self.seen[key] = number
        return row

    def _blank_resident(self) -> Resident:
        """A new Resident with its defaults, as Resident() makes it but without Model.__init__
        working out 31 defaults per row: they are constants, copied from one instance made the
        ordinary way (unpickling builds instances the same way, without __init__)."""
        if self.resident_defaults is None:
            self.resident_defaults = {k: v for k, v in vars(Resident()).items() if k != "_state"}
        resident = Resident.__new__(Resident)
        vars(resident).update(self.resident_defaults)
        resident._state = ModelState()
        return resident

    def _parse_grid(self, row: _Row) -> None:
        code = _cell_text(row.raw.get("grid"))
        if not code:
            self.fail(row, "grid", "所属网格不能为空（填写15位网格编码）")
            return
        if not re.fullmatch(r"\d{15}", code):
            self.fail(row, "grid", f"网格编码“{code}”应为15位数字")
            return
        if code not in self.grids:
            self.grids[code] = Grid.objects.select_related("community").filter(code=code).first()
        grid = self.grids[code]
        if grid is None:
            self.fail(row, "grid", f"网格编码“{code}”不存在")
        elif not self.scope.covers(grid.path):
            self.fail(row, "grid", f"网格“{grid.name}”（{code}）不在您的管辖范围内")
        elif grid.end_date and grid.end_date < self.today:
            self.fail(row, "grid", f"网格“{grid.name}”（{code}）已撤销")
        else:
            row.grid = grid

    def _parse_place(self, row: _Row) -> None:
        estate = _cell_text(row.raw.get("estate"))
        building = _cell_text(row.raw.get("building"))
        unit = re.sub(r"单元$", "", _cell_text(row.raw.get("unit")))
        room = re.sub(r"室$", "", _cell_text(row.raw.get("room")))
        if not (building or room):
            if estate or unit:
                self.fail(row, "building" if not building else "room", "填写了小区或单元，但缺少楼栋和房号")
            return
        if not building:
            self.fail(row, "building", "填写了房号，但缺少楼栋")
        elif not room:
            self.fail(row, "room", "填写了楼栋，但缺少房号")
        elif len(building) > 64 or len(estate) > 64 or len(unit) > 8 or len(room) > 16:
            self.fail(row, "room", "小区、楼栋、单元或房号太长")
        else:
            row.place = (estate, building, unit, room)

    def _parse_tags(self, row: _Row) -> None:
        for name in _split_names(_cell_text(row.raw.get("tags"))):
            tag = self.tags.get(name) or self.tags.get(name.lower())
            if tag is None:
                self.fail(row, "tags", f"未知的标签“{name}”")
            elif tag.restricted and row.grid is not None and not self.tag_scope.covers(row.grid.path):
                self.fail(row, "tags", f"您无权设置受保护的标签“{tag.name}”")
            elif tag not in row.tags:
                row.tags.append(tag)

    # phase 2: places (found or created in bulk, per batch) --------------------------------------

    def _places(self, community: Area) -> _CommunityPlaces:
        """The community's buildings, dwellings and households, loaded on first use as small
        records (not model instances), so a city-sized file keeps memory flat."""
        places = self.communities.get(community.pk)
        if places is None:
            places = _CommunityPlaces()
            for pk, grid_id, micro_id, path, estate, name in Building.objects.filter(
                community=community
            ).values_list("pk", "grid_id", "micro_grid_id", "area_path", "estate", "name"):
                ref = _BuildingRef(pk, grid_id, micro_id, path)
                places.buildings.setdefault((estate, name), ref)
                label = f"{estate}{name}" if estate and not name.startswith(estate) else name
                places.buildings.setdefault(("", label), ref)  # "溪南小区1幢" typed in one column
            for pk, number, dwelling_id, head_id in Household.objects.filter(community=community).values_list(
                "pk", "number", "dwelling_id", "head_id"
            ):
                places.households[number] = _HouseholdRef(pk, dwelling_id, head_id)
            self.communities[community.pk] = places
        else:
            self.communities.move_to_end(community.pk)
        return places

    def _trim_places(self) -> None:
        """Keep the places of the most recently used communities only (reloaded when needed)."""
        while len(self.communities) > PLACE_CACHE_COMMUNITIES:
            self.communities.popitem(last=False)

    def _insert(self, model: type[Model], objs: list[Any]) -> None:
        now = timezone.now()
        _insert_rows(model, objs, now)
        _insert_history(model, objs, user=self.history_user, reason=self.reason, now=now)

    def _may_create(self, row: _Row, path: str) -> bool:
        """Creating a building or household needs change_registry there, as the services require."""
        if self.change_scope.covers(path):
            return True
        try:
            require(self.by, Perm.CHANGE_REGISTRY, path)
        except RuleError as exc:
            self.fail(row, "grid", exc.message)
            return False
        return True

    def _resolve_buildings(self, rows: list[_Row]) -> None:
        """Find each row's building; create the missing ones in one statement, numbered
        00001-99999 within their community under a lock on the community (as create_building)."""
        missing: dict[tuple[int, str, str], list[_Row]] = {}
        for row in rows:
            if row.place is None or row.errors:
                continue
            grid = row.grid
            assert grid is not None
            estate, name, _unit, _room = row.place
            known = self._places(grid.community).buildings
            found = known.get((estate, name)) or known.get(("", f"{estate}{name}"))
            if found is not None:
                row.building = found
            elif self._may_create(row, grid.path):
                missing.setdefault((grid.community_id, estate, name), []).append(row)
        if not missing:
            return
        community_ids = sorted({key[0] for key in missing})
        list(Area.objects.select_for_update().filter(pk__in=community_ids).values_list("pk"))
        last = dict(
            Building.objects.filter(community_id__in=community_ids)
            .order_by()
            .values("community_id")
            .annotate(last=Max("code"))
            .values_list("community_id", "last")
        )
        sequence = {pk: int(code[-5:]) if code else 0 for pk, code in last.items()}
        new: list[tuple[Building, list[_Row]]] = []
        for (community_id, estate, name), waiting in missing.items():
            grid = waiting[0].grid
            assert grid is not None
            community = grid.community
            seq = sequence.get(community_id, 0) + 1
            if seq > 99999:
                for row in waiting:
                    self.fail(row, "grid", gettext("The community has no building numbers left."))
                continue
            sequence[community_id] = seq
            building = Building(
                code=f"{community.code}{seq:05d}",
                name=name,
                estate=estate,
                address=f"{community.full_name or community.name}{estate}{name}"[:200],
                community=community,
                grid=grid,
                area_path=grid.path,
            )
            new.append((building, waiting))
        if new:
            self._insert(Building, [b for b, _ in new])
        for building, waiting in new:
            ref = _BuildingRef(building.pk, building.grid_id, None, building.area_path)
            assert waiting[0].grid is not None
            self._places(waiting[0].grid.community).buildings[(building.estate, building.name)] = ref
            for row in waiting:
                row.building = ref

    def _resolve_dwellings(self, rows: list[_Row]) -> None:
        """Find each row's dwelling (loading the dwellings of the batch's buildings in one query)
        and create the missing ones in one statement."""
        placed = [r for r in rows if r.building is not None and not r.errors]
        unloaded = {r.building.pk for r in placed if r.building is not None and r.building.dwellings is None}
        if unloaded:
            for loading in {id(r.building): r.building for r in placed if r.building is not None}.values():
                if loading is not None and loading.pk in unloaded:
                    loading.dwellings = {}
            by_pk = {r.building.pk: r.building for r in placed if r.building is not None}
            for dwelling_pk, building_id, unit, room in Dwelling.objects.filter(
                building_id__in=unloaded
            ).values_list("pk", "building_id", "unit", "room"):
                dwellings = by_pk[building_id].dwellings
                assert dwellings is not None
                dwellings[_dwelling_key(unit, room)] = dwelling_pk
        missing: dict[tuple[int, str], tuple[Dwelling, _BuildingRef, list[_Row]]] = {}
        for row in placed:
            ref = row.building
            assert ref is not None and ref.dwellings is not None and row.place is not None
            _estate, _name, unit, room = row.place
            key = _dwelling_key(unit, room)
            pk = ref.dwellings.get(key)
            if pk is not None:
                row.dwelling_id = pk
                continue
            entry = missing.get((ref.pk, key))
            if entry is None:
                digits = "".join(c for c in room if c.isdecimal())  # "3¹01": ¹ is a digit but not decimal
                dwelling = Dwelling(
                    building_id=ref.pk,
                    unit=unit,
                    room=room,
                    floor=int(digits[:-2]) if len(digits) >= 3 else 1,
                    area_path=ref.area_path,
                )
                entry = missing[(ref.pk, key)] = (dwelling, ref, [])
            entry[2].append(row)
        if not missing:
            return
        self._insert(Dwelling, [d for d, _, _ in missing.values()])
        for (_pk, key), (dwelling, ref, waiting) in missing.items():
            assert ref.dwellings is not None
            ref.dwellings[key] = dwelling.pk
            for row in waiting:
                row.dwelling_id = dwelling.pk

    def _resolve_households(self, rows: list[_Row]) -> None:
        """Check each row's household number, find its household or create the missing ones in one
        statement, with the first row's dwelling and residence type (as create_household)."""
        missing: dict[tuple[int, str], tuple[Household, list[_Row]]] = {}
        for row in rows:
            if row.errors or not row.household_number:
                continue
            if len(row.household_number) > 32:
                self.fail(row, "household_number", "户号太长（最多32个字符）")
                continue
            grid = row.grid
            assert grid is not None
            community = grid.community
            is_head = row.cleaned.get("relation_to_head") == HEAD_RELATION
            key = f"{community.pk}:{row.household_number}"
            if is_head and key in self.head_rows:
                self.fail(
                    row,
                    "relation_to_head",
                    f"户号“{row.household_number}”的户主已在第{self.head_rows[key]}行填写",
                )
                continue
            known = self._places(community).households
            found = known.get(row.household_number)
            if found is None:
                entry = missing.get((community.pk, row.household_number))
                if entry is None:
                    path = row.building.area_path if row.building is not None else community.path
                    if not self._may_create(row, path):
                        continue
                    kind = (
                        HouseholdType.FLOATING
                        if row.cleaned.get("residence_type") == ResidenceType.FLOATING
                        else HouseholdType.REGISTERED
                    )
                    household = Household(
                        community=community,
                        number=row.household_number,
                        dwelling_id=row.dwelling_id,
                        household_type=kind,
                        area_path=path,
                    )
                    entry = missing[(community.pk, row.household_number)] = (household, [])
                entry[1].append(row)
            else:
                row.household = found
            if is_head:
                self.head_rows[key] = row.number
        if not missing:
            return
        # Their history row is written once the batch's residents exist, with the head set.
        self.new_households = [h for h, _ in missing.values()]
        _insert_rows(Household, self.new_households, timezone.now())
        for household, waiting in missing.values():
            ref = _HouseholdRef(household.pk, household.dwelling_id, None)
            self._places(household.community).households[household.number] = ref
            for row in waiting:
                row.household = ref

    # phase 2: one batch, in one transaction ---------------------------------------------------

    def store(self, rows: list[_Row], result: ImportResult) -> None:
        self._trim_places()
        good = [r for r in rows if not r.errors]
        digests = [r.digest for r in good if r.digest]
        existing = (
            {r.id_number_digest: r for r in Resident.objects.filter(id_number_digest__in=digests)}
            if digests
            else {}
        )
        for row in good:
            resident = existing.get(row.digest) if row.digest else None
            if resident is not None and not self.scope.covers(resident.area_path):
                # Say only that it cannot be used here, and audit it in the holder's area, as
                # registering one resident does (docs/security.md).
                self.fail(
                    row, "id_number", "该证件号码无法在此使用；如该居民从别处迁入，请由其原社区办理迁出"
                )
                self.id_conflicts.append(resident)
        self._resolve_buildings(good)
        self._resolve_dwellings(good)
        for row in good:
            if row.errors or row.digest or not row.cleaned.get("birth_date"):
                continue
            grid = row.grid
            assert grid is not None
            fallback = Resident.objects.filter(
                name=row.cleaned.get("name"), birth_date=row.cleaned["birth_date"]
            )
            fallback = (
                fallback.filter(dwelling_id=row.dwelling_id)
                if row.dwelling_id
                else fallback.filter(grid=grid, dwelling=None)
            )
            found = fallback.filter(id_number_digest="").first()
            if found is not None and not self.scope.covers(found.area_path):
                self.fail(row, "name", "该居民已在您管辖范围以外登记，请联系其所在社区")
            elif found is not None:
                existing[_fallback_key(row)] = found
        self._resolve_households(good)

        existing_tags: dict[int, set[int]] = {}
        if existing:
            pairs = ResidentTag.objects.filter(resident_id__in=[r.pk for r in existing.values()])
            for resident_id, tag_id in pairs.values_list("resident_id", "tag_id"):
                existing_tags.setdefault(resident_id, set()).add(tag_id)

        old_names = {r.pk: r.name for r in existing.values()}
        to_create: list[tuple[_Row, Resident]] = []
        to_update: list[Resident] = []
        update_fields: set[str] = set()
        new_links: list[ResidentTag] = []
        heads: dict[int, tuple[_HouseholdRef, Resident]] = {}
        for row in good:
            if row.errors:
                continue
            resident = existing.get(row.digest) if row.digest else existing.get(_fallback_key(row))
            self._store_row(
                row, resident, existing_tags, to_create, to_update, update_fields, new_links, heads, result
            )
        now = timezone.now()
        if to_create:
            objs = [r for _, r in to_create]
            self._insert(Resident, objs)
            namegrams.insert((r.pk, r.name) for r in objs)
            for row, resident in to_create:
                new_links.extend(
                    ResidentTag(resident=resident, tag=t, area_path=resident.area_path) for t in row.tags
                )
        if to_update:
            for resident in to_update:
                resident.updated_at = now
            bulk_update_with_history(
                to_update,
                Resident,
                fields=sorted(update_fields | {"updated_at"}),
                default_user=self.history_user,
                default_change_reason=self.reason,
            )
            namegrams.replace((r.pk, r.name) for r in to_update if r.name != old_names[r.pk])
        if new_links:
            self._insert(ResidentTag, new_links)
        self._store_heads(heads, now)

    def _store_heads(self, heads: dict[int, tuple[_HouseholdRef, Resident]], now: dt.datetime) -> None:
        """Name the heads (one UPDATE per household, sent as one executemany) and keep history:
        households created in this batch get their first history row now, head included;
        existing households whose head changed get a change row."""
        new = {h.pk: h for h in self.new_households}
        self.new_households = []
        changed = list(Household.objects.filter(pk__in=[pk for pk in heads if pk not in new]))
        for household in [*new.values(), *changed]:
            if household.pk in heads:
                ref, resident = heads[household.pk]
                household.head_id = ref.head_id = resident.pk
                if household.pk not in new:
                    household.updated_at = now
        if heads:
            table = Household._meta.db_table
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"UPDATE {table} SET head_id = %s, updated_at = %s WHERE id = %s",  # noqa: S608
                    [(h.head_id, h.updated_at, h.pk) for h in [*new.values(), *changed] if h.pk in heads],
                )
        if new:
            _insert_history(
                Household, list(new.values()), user=self.history_user, reason=self.reason, now=now
            )
        if changed:
            Household.history.bulk_history_create(
                changed, update=True, default_user=self.history_user, default_change_reason=self.reason
            )

    def _store_row(
        self,
        row: _Row,
        resident: Resident | None,
        existing_tags: dict[int, set[int]],
        to_create: list[tuple[_Row, Resident]],
        to_update: list[Resident],
        update_fields: set[str],
        new_links: list[ResidentTag],
        heads: dict[int, tuple[_HouseholdRef, Resident]],
        result: ImportResult,
    ) -> None:
        grid = row.grid
        assert grid is not None
        data = row.cleaned
        household = row.household
        is_head = data.get("relation_to_head") == HEAD_RELATION

        micro_grid_id = None
        area_path = grid.path
        building = row.building
        if building is not None and building.grid_id == grid.pk and building.micro_grid_id:
            micro_grid_id = building.micro_grid_id
            area_path = building.area_path
        placement: dict[str, Any] = {
            "community": grid.community_id,
            "grid": grid.pk,
            "micro_grid": micro_grid_id,
            "area_path": area_path,
        }
        if row.dwelling_id is not None:
            placement["dwelling"] = row.dwelling_id
        if household is not None:
            placement["household"] = household.pk

        if resident is None:
            resident = self._blank_resident()
            # What services._apply does on a blank row, without comparing with it: the ID number's
            # keyed digest is the one parse() made for de-duplication, and the name's pinyin keys
            # are memoised (a city has many people of the same name).
            for name, value in data.items():
                if name == "id_number":
                    if value:
                        pii.set_id_number(resident, value, digest=row.digest)
                elif name == "phone":
                    if value:
                        pii.set_phone(resident, value)
                elif name != "name":
                    setattr(resident, name, value)
            if data.get("name"):
                resident.name = data["name"]
                keys = self.name_keys.get(resident.name)
                if keys is None:
                    if len(self.name_keys) >= NAME_KEYS_CACHE:
                        self.name_keys.clear()  # bounded: memory stays flat on any file
                    keys = self.name_keys[resident.name] = name_keys(resident.name)
                resident.name_pinyin, resident.name_initials = keys
            for name, value in placement.items():
                setattr(resident, name if name == "area_path" else f"{name}_id", value)
            if household is not None and row.dwelling_id is None:
                resident.dwelling_id = household.dwelling_id
            to_create.append((row, resident))
            if household is not None and is_head:
                heads[household.pk] = (household, resident)
            result.created += 1
            return

        # An update: a blank cell never erases what is stored.
        values = {
            k: v
            for k, v in data.items()
            if k in ("id_type", "birth_date", "gender") or _cell_text(row.raw.get(k))
        }
        changed = services._apply(resident, values)
        for name, value in placement.items():
            attname = name if name == "area_path" else f"{name}_id"
            if getattr(resident, attname) != value:
                setattr(resident, attname, value)
                changed.append(name)
        have = existing_tags.get(resident.pk, set())
        for tag in row.tags:
            if tag.pk not in have:
                new_links.append(ResidentTag(resident=resident, tag=tag, area_path=resident.area_path))
                changed.append("tags")
        if household is not None and is_head and household.head_id != resident.pk:
            heads[household.pk] = (household, resident)
            changed.append("head")
        if changed:
            to_update.append(resident)
            update_fields.update(_model_fields(changed))
            result.updated += 1
        else:
            result.unchanged += 1


PLACE_CACHE_COMMUNITIES = 16
NAME_KEYS_CACHE = 100_000


# --- writing new rows fast ----------------------------------------------------------------------
# What `bulk_create_with_history` does, without building a model instance per history row or
# preparing every value through the ORM: ids are reserved up front (a sequence on PostgreSQL; the
# table's high-water mark on SQLite, where the batch holds the write lock), rows go as tuples in
# one COPY (PostgreSQL) or executemany (SQLite), then their history rows the same way.

_PLAIN_FIELDS = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BigIntegerField,
    models.SmallIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.BooleanField,
    models.ForeignKey,
    models.AutoField,
    models.BigAutoField,
)


def _converter(f: models.Field[Any, Any]) -> Callable[[Any], Any]:
    if isinstance(f, _PLAIN_FIELDS):
        return lambda value: value
    # Dates, timestamps and decimals repeat within a batch (every row's created_at is the same).
    seen: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        if value is None:
            return None
        if value not in seen:
            seen[value] = f.get_db_prep_save(value, connection)
        return seen[value]

    return convert


def _reserve_ids(model: type[Model], n: int) -> list[int]:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, n]
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f'SELECT MAX(id) FROM "{table}"')  # noqa: S608
        high = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        seq = cursor.fetchone()
        start = max(high, seq[0] if seq else 0) + 1
        return list(range(start, start + n))


def _insert_rows(model: type[Model], objs: list[Any], now: dt.datetime) -> None:
    """Insert new rows of `model` (primary keys assigned on the objects; timestamps set to `now`)."""
    if not objs:
        return
    connection.ensure_connection()
    for obj, pk in zip(objs, _reserve_ids(model, len(objs)), strict=True):
        obj.pk = pk
        obj.created_at = obj.updated_at = now
        obj._state.adding = False
        obj._state.db = connection.alias
    fields = list(model._meta.concrete_fields)
    values = _row_values(fields)
    write_rows(model._meta.db_table, [str(f.column) for f in fields], [values(o) for o in objs])


def _row_values(fields: list[Any]) -> Callable[[Any], tuple[Any, ...]]:
    """An object's values for `fields`, in their database form: read all at once by one
    attrgetter (a row has some 30 fields, 20,000 rows a file), converting only the fields
    that need it (dates, timestamps)."""
    names = [f.attname for f in fields]
    get = operator.attrgetter(*names) if len(names) > 1 else (lambda o: (getattr(o, names[0]),))
    convert = [(i, _converter(f)) for i, f in enumerate(fields) if not isinstance(f, _PLAIN_FIELDS)]
    if not convert:
        return get

    def values(obj: Any) -> tuple[Any, ...]:
        row = list(get(obj))
        for i, c in convert:
            row[i] = c(row[i])
        return tuple(row)

    return values


def _insert_history(
    model: type[Model], objs: list[Any], *, user: Any, reason: str, now: dt.datetime, kind: str = "+"
) -> None:
    """The history rows simple-history would write for newly created `objs`."""
    if not objs:
        return
    history = model.history.model  # type: ignore[attr-defined]
    own = {f.attname for f in model._meta.concrete_fields}
    extra = {
        "history_date": now,
        "history_type": kind,
        "history_user_id": getattr(user, "pk", None),
        "history_change_reason": reason,
    }
    fields = [f for f in history._meta.concrete_fields if f.attname != "history_id"]
    mine = [f for f in fields if f.attname in own]
    others = [f for f in fields if f.attname not in own]
    constants = tuple(_converter(f)(extra.get(f.attname)) for f in others)
    # The object's values, then the constants, put in the history table's column order.
    position = {f.attname: i for i, f in enumerate([*mine, *others])}
    order = operator.itemgetter(*(position[f.attname] for f in fields))
    values = _row_values(mine)
    rows = [order(values(obj) + constants) for obj in objs]
    write_rows(history._meta.db_table, [str(f.column) for f in fields], rows)


class _BuildingRef:
    """What the import needs of a building: where it is and its dwellings, (unit, room) → pk."""

    __slots__ = ("area_path", "dwellings", "grid_id", "micro_grid_id", "pk")

    def __init__(self, pk: int, grid_id: int | None, micro_grid_id: int | None, area_path: str) -> None:
        self.pk, self.grid_id, self.micro_grid_id, self.area_path = pk, grid_id, micro_grid_id, area_path
        self.dwellings: dict[str, int] | None = None


class _HouseholdRef:
    __slots__ = ("dwelling_id", "head_id", "pk")

    def __init__(self, pk: int, dwelling_id: int | None, head_id: int | None) -> None:
        self.pk, self.dwelling_id, self.head_id = pk, dwelling_id, head_id


@dataclass
class _CommunityPlaces:
    buildings: dict[tuple[str, str], _BuildingRef] = field(default_factory=dict)
    households: dict[str, _HouseholdRef] = field(default_factory=dict)


def _dwelling_key(unit: str, room: str) -> str:
    return f"{unit}\x1f{room}"


def _fallback_key(row: _Row) -> str:
    return f"row:{row.number}"


def _model_fields(changed: Iterable[str]) -> set[str]:
    out: set[str] = set()
    for name in changed:
        if name in ("id_number", "phone"):
            out |= set(sealed.field_names(name))
        elif name == "name":
            out |= {"name", "name_pinyin", "name_initials"}
        elif name not in ("tags", "head"):
            out.add(name)
    return out


# --- running an import -------------------------------------------------------------------------


def _numbered_data_rows(
    path: Path | str, filename: str | None, mapping: dict[str, str]
) -> tuple[list[Any], Iterator[tuple[int, list[Any]]]]:
    _, header, rest = _find_header(read_rows(path, filename=filename), mapping)
    return header, import_cells.data_rows(rest)


def count_rows(
    path: Path | str, *, filename: str | None = None, mapping: dict[str, str] | None = None
) -> int:
    """Data rows in the file (one streaming pass), so a progress bar knows its 100 %."""
    _, rows = _numbered_data_rows(path, filename, mapping or {})
    return sum(1 for _ in rows)


def run_import(
    path: Path | str,
    *,
    by: Actor,
    dry_run: bool = False,
    mapping: dict[str, str] | None = None,
    filename: str | None = None,
    progress_callback: ProgressCallback | None = None,
    job: ImportJob | None = None,
    ip_address: str | None = None,
) -> ImportResult:
    """Import residents from an .xlsx or .csv file as `by` (a `System` job: full scope).

    Raises UnreadableFile when the file cannot be read at all; bad rows never raise.
    """
    refuse_missing_actor(by)
    if not isinstance(by, System) and scope_for(by, Perm.IMPORT_REGISTRY).empty:
        raise RuleError("forbidden", "您没有导入人口数据的权限")
    filename = filename or Path(path).name
    mapping = mapping or {}
    _check_file(path, filename)
    result = ImportResult(dry_run=dry_run)
    with translation.override(settings.LANGUAGE_CODE):
        if progress_callback is not None:
            result.total_rows = count_rows(path, filename=filename, mapping=mapping)
            progress_callback(result)
        header, rows = _numbered_data_rows(path, filename, mapping)
        by_index, header_of, result.ignored_columns = _resolve_columns(header, mapping)
        importer = _Importer(
            by=by, dry_run=dry_run, header_of=header_of, filename=filename, job=job, ip_address=ip_address
        )
        batch_size = max(1, int(getattr(settings, "SHEQU_IMPORT_BATCH_SIZE", 500)))
        while True:
            batch = list(itertools.islice(rows, batch_size))
            if not batch:
                break
            _run_batch(importer, batch, by_index, result)
            if progress_callback is not None:
                progress_callback(result)
    result.total_rows = max(result.total_rows, result.processed_rows)
    return result


def _run_batch(
    importer: _Importer, batch: list[tuple[int, list[Any]]], by_index: dict[int, str], result: ImportResult
) -> None:
    parsed = []
    for number, cells in batch:
        if _is_blank(cells) or import_cells.is_total_row(cells, by_index):
            result.skipped += 1
            continue
        width = len(cells)
        values = {
            key: import_cells.cell_value(cells[i], key) if i < width else None for i, key in by_index.items()
        }
        parsed.append(importer.parse(number, values))
    before = result.counts()
    with transaction.atomic():
        importer.store(parsed, result)
        if importer.dry_run:
            transaction.set_rollback(True)
        else:  # the batch's record commits (or rolls back) with the batch's rows
            _record_batch(importer, parsed, result, before)
    if importer.dry_run:
        importer._reset_places()  # what the batch created was rolled back
        _record_batch(importer, parsed, result, before)  # a check run still read the numbers
    for holder in importer.id_conflicts:
        record_event(
            actor=importer.by,
            action=RegistryAction.ID_CONFLICT,
            target=holder,
            reason=gettext("The ID number was entered for another resident."),
        )
    importer.id_conflicts.clear()
    for row in parsed:
        if row.errors:
            result.failed += 1
            result.errors.extend(row.errors)
    result.processed_rows += len(batch)


def _record_batch(
    importer: _Importer, parsed: list[_Row], result: ImportResult, before: dict[str, int]
) -> None:
    """One audit record per batch, filed at the deepest node above every row it stored (or, when it
    stored none, the importer's scope), so the heads of the places it touched see it."""
    paths = [row.grid.path for row in parsed if not row.errors and row.grid is not None]
    after = result.counts()
    record_event(
        actor=importer.by,
        action=RegistryAction.IMPORT_RESIDENTS,
        target=importer.job,
        area_path=common_path(paths) if paths else importer.scope.common_path,
        ip_address=importer.ip_address,
        extra={
            "file": importer.filename,
            "dry_run": importer.dry_run,
            "first_row": parsed[0].number if parsed else None,
            "rows": len(parsed),
            "failed": sum(1 for row in parsed if row.errors),
            **{key: after[key] - before[key] for key in ("created", "updated", "unchanged")},
        },
    )


def _set_job_progress(job: ImportJob) -> ProgressCallback:
    def update(result: ImportResult) -> None:
        ImportJob.objects.filter(pk=job.pk).update(
            total_rows=result.total_rows,
            processed_rows=result.processed_rows,
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
            failed=result.failed,
            skipped=result.skipped,
        )

    return update


def run_job(job: ImportJob) -> ImportResult | None:
    """Run a stored ImportJob (from the page, through the task) and record its outcome on it."""
    job.status = ImportStatus.RUNNING
    job.save(update_fields=["status", "updated_at"])
    try:
        result = run_import(
            job.file.path,
            by=job.created_by or System("import"),
            dry_run=job.dry_run,
            mapping=job.mapping or {},
            filename=job.original_name,
            progress_callback=_set_job_progress(job),
            job=job,
            ip_address=job.ip_address,
        )
    except (UnreadableFile, RuleError) as exc:
        job.refresh_from_db()
        job.status = ImportStatus.FAILED
        job.message = str(getattr(exc, "message", exc))
        job.finished_at = timezone.now()
        _drop_file(job)
        job.save()
        return None
    except Exception:
        job.refresh_from_db()
        job.status = ImportStatus.FAILED
        job.message = "导入中途出错，已保存的批次保留；请检查文件后重新导入（重复导入不会产生重复数据）"
        job.finished_at = timezone.now()
        _drop_file(job)
        job.save()
        raise
    job.refresh_from_db()
    job.status = ImportStatus.DONE
    job.total_rows, job.processed_rows = result.total_rows, result.processed_rows
    job.created, job.updated, job.unchanged, job.failed, job.skipped = (
        result.created,
        result.updated,
        result.unchanged,
        result.failed,
        result.skipped,
    )
    job.errors = [e.as_dict() for e in result.errors]
    if result.ignored_columns:
        job.message = "已忽略的列：" + "、".join(result.ignored_columns)
    job.finished_at = timezone.now()
    if not job.dry_run or settings.SHEQU_IMPORT_KEEP_CHECKED_MINUTES <= 0:
        _drop_file(job)
    job.save()
    purge_checked_files()
    return result


def checked_file_expired(job: ImportJob) -> bool:
    """A check-only run's file is kept SHEQU_IMPORT_KEEP_CHECKED_MINUTES for "import it now"."""
    keep = dt.timedelta(minutes=settings.SHEQU_IMPORT_KEEP_CHECKED_MINUTES)
    return job.finished_at is None or job.finished_at <= timezone.now() - keep


def purge_checked_files() -> int:
    """Delete the files of check-only runs kept past their time; run whenever a job ends or starts."""
    keep = dt.timedelta(minutes=settings.SHEQU_IMPORT_KEEP_CHECKED_MINUTES)
    stale = ImportJob.objects.exclude(file="").filter(
        status__in=[ImportStatus.DONE, ImportStatus.FAILED], finished_at__lte=timezone.now() - keep
    )
    count = 0
    for job in stale:
        _drop_file(job)
        job.save(update_fields=["file", "updated_at"])
        count += 1
    return count


def _drop_file(job: ImportJob) -> None:
    """The upload holds ID and phone numbers in plaintext: it is deleted when its job ends, in
    every mode (PIPL; docs/security.md). A check-only run keeps it a short while
    (SHEQU_IMPORT_KEEP_CHECKED_MINUTES), so the same file can then be imported for real; the row
    errors live on the job, not in the file.
    """
    if (
        job.file
        and not ImportJob.objects.filter(file=job.file.name)
        .exclude(pk=job.pk)
        .filter(status__in=[ImportStatus.PENDING, ImportStatus.RUNNING])
        .exists()
    ):
        job.file.delete(save=False)


# --- files for people -------------------------------------------------------------------------

ERROR_HEADERS = ("行号", "列名", "原因")


def error_report(errors: Iterable[RowError | dict[str, Any]], target: Any) -> int:
    """Write the row errors as an .xlsx (row number as in the spreadsheet, column, reason)."""

    def rows() -> Iterator[tuple[Any, ...]]:
        for e in errors:
            d = e.as_dict() if isinstance(e, RowError) else e
            yield (d["row"], d["column"], d["reason"])

    return write_xlsx(target, ERROR_HEADERS, rows(), title="错误报告")


def template_bytes() -> bytes:
    """The import template with dropdowns for every coded column."""
    with translation.override(settings.LANGUAGE_CODE):
        dropdowns: dict[str, list[str]] = {
            "性别": ["男", "女"],
            "证件类型": [str(label) for _, label in IdType.choices],
            "人员类型": [str(label) for _, label in ResidenceType.choices],
            "民族": [name for _, name in codes.choices(CodeTable.ETHNICITY)],
            "政治面貌": [name for _, name in codes.choices(CodeTable.POLITICAL_STATUS)],
            "文化程度": [name for _, name in codes.choices(CodeTable.EDUCATION)],
            "婚姻状况": [name for _, name in codes.choices(CodeTable.MARITAL_STATUS)],
            "与户主关系": [name for _, name in codes.choices(CodeTable.RELATIONSHIP)],
            "标签": [t.name for t in TagType.objects.all()],
        }
        return template_workbook([c.header for c in COLUMNS], dropdowns)
