"""The 八个统一 checklist: the first version written from the attachment's own text,
and editing, which always makes a new version so past inspections keep theirs."""
from dataclasses import dataclass

from sqlalchemy import func, select

from portal import clock
from portal.audit import log as audit
from portal.errors import FieldErrors
from portal.extensions import db
from portal.inspections.models import SECTIONS, ChecklistItem, ChecklistVersion, InspectionSettings
from portal.text import has_control

MAX_ITEMS = 80
MAX_POINTS = 20


@dataclass(frozen=True)
class ItemRow:
    section: int
    text: str
    points: int
    per_person: bool = False
    veto: bool = False


PERSON, OFFICE = True, False  # checked per person present / for the community office

DEFAULT_ITEMS = [
    # 一、仪容仪表统一
    ItemRow(1, "工作时间着统一制式服装", 3, PERSON),
    ItemRow(1, "佩戴统一制发、信息完整的胸卡", 3, PERSON),
    ItemRow(1, "庄重、整洁、得体，不留奇型怪发", 2, PERSON),
    ItemRow(1, "不穿拖鞋上班", 2, PERSON),
    # 二、举止行为统一
    ItemRow(2, "建立网格员服务承诺制度并公开承诺内容", 2, OFFICE),
    ItemRow(2, "来时有迎声、询问有答声、离开有送声", 3, OFFICE),
    ItemRow(2, "一次性告知所办事项所需材料清单及办结时限", 3, OFFICE),
    ItemRow(2, "态度热情、语言规范，不争辩、不争吵", 2, PERSON),
    # 三、办事流程统一
    ItemRow(3, "定人、定格、定责，网格责任人公示", 2, OFFICE),
    ItemRow(3, "在明显位置张贴办事指南和岗位职责", 3, OFFICE),
    ItemRow(3, "有便捷高效的便民服务手册", 2, OFFICE),
    ItemRow(3, "建有网格QQ群或微信群等沟通渠道", 2, OFFICE),
    ItemRow(3, "定时组织业务培训并有记录", 2, OFFICE),
    # 四、服务纪律统一
    ItemRow(4, "准时上下班，未经批准不离岗", 3, PERSON),
    ItemRow(4, "工作时间不吃东西，不玩游戏、手机，不上网购物", 3, PERSON),
    ItemRow(4, "办公场所安静，不扯闲言", 1, OFFICE),
    ItemRow(4, "外出开会或走访时告知社区负责人，并在“社工去向指示牌”上及时标明", 3, OFFICE),
    # 五、入户制度统一
    ItemRow(5, "入户“三本”（社情民意日志本、重点人口记录本、计划生育变更本）齐全并及时更新", 3, PERSON),
    ItemRow(5, "按每周不少于 5 小时的要求入户调查，有记录", 3, OFFICE),
    ItemRow(5, "特殊人群、重点人群月走访有记录", 2, OFFICE),
    ItemRow(5, "入户时佩戴并出示工作牌、自报身份、自带鞋套", 2, PERSON),
    # 六、巡查制度统一
    ItemRow(6, "实行“一日双巡”，上、下午各巡查一次并有记录", 3, OFFICE),
    ItemRow(6, "社工E通24小时开机，未接来电1小时内回拨", 3, PERSON),
    ItemRow(6, "采集的居民信息和排查发现的问题及时录入社工E通", 2, PERSON),
    # 七、入户用品统一
    ItemRow(7, "入户时背社区网格员背包", 2, PERSON),
    ItemRow(7, "背包内有雨伞、手电筒、入户“三本”、鞋套", 3, PERSON),
    # 八、服务环境统一
    ItemRow(8, "服务台面和办公桌面清洁，办公用品摆放整齐", 3, OFFICE),
    ItemRow(8, "高拍仪、高清摄像头、打证机、彩印机、手写签批板、身份证读卡器等设备摆放有序", 2, OFFICE),
    ItemRow(8, "业务宣传资料齐备", 2, OFFICE),
    ItemRow(8, "办事大厅电子显示屏及时公布有关信息", 2, OFFICE),
    ItemRow(8, "下社区随身携带小铲子等小件工具，随手清理小广告", 1, PERSON),
]


def current_version() -> ChecklistVersion | None:
    return db.session.scalar(select(ChecklistVersion).order_by(ChecklistVersion.number.desc()).limit(1))


def _add_version(rows: list[ItemRow], note: str, account_id: int | None) -> ChecklistVersion:
    number = (db.session.scalar(select(func.max(ChecklistVersion.number))) or 0) + 1
    version = ChecklistVersion(number=number, note=note, created_by_id=account_id, created_at=clock.now())
    db.session.add(version)
    db.session.flush()
    positions: dict[int, int] = {}
    for row in rows:
        positions[row.section] = positions.get(row.section, 0) + 1
        db.session.add(ChecklistItem(version_id=version.id, section=row.section, position=positions[row.section],
                                     text=row.text, points=row.points, per_person=row.per_person, veto=row.veto))
    db.session.flush()
    return version


def ensure_default() -> None:
    """Seed version 1 and the settings row (idempotent)."""
    if current_version() is None:
        _add_version(DEFAULT_ITEMS, "依据《社工服务规范“八个一”》制定", None)
    if db.session.get(InspectionSettings, 1) is None:
        db.session.add(InspectionSettings(id=1))
        db.session.flush()


def settings() -> InspectionSettings:
    return db.session.get(InspectionSettings, 1) or InspectionSettings(
        id=1, action_due_days=7, objection_days=5, sample_size=5)


def rows_of(version: ChecklistVersion) -> list[ItemRow]:
    return [ItemRow(i.section, i.text, i.points, i.per_person, i.veto) for i in version.items]


def parse_rows(form: list[dict]) -> tuple[list[ItemRow], dict[str, str]]:
    """Rows from the edit form (a list of dicts with section/text/points/per_person/veto/
    delete); blank new rows are skipped. Errors are keyed "<index>.<field>"."""
    rows: list[ItemRow] = []
    errors: dict[str, str] = {}
    for index, raw in enumerate(form):
        text = " ".join(str(raw.get("text") or "").split())
        if raw.get("delete") or (raw.get("new") and not text):
            continue
        section = str(raw.get("section") or "")
        points = str(raw.get("points") or "").strip()
        if not (section.isascii() and section.isdigit() and len(section) < 4) or int(section) not in SECTIONS:
            errors[f"{index}.section"] = "请选择所属的“统一”。"
        if not text:
            errors[f"{index}.text"] = "请填写检查内容。"
        elif len(text) > 200:
            errors[f"{index}.text"] = "检查内容不能超过 200 字。"
        elif has_control(text):
            errors[f"{index}.text"] = "检查内容不能含控制字符。"
        if not (points.isascii() and points.isdigit() and len(points) < 6) or not 1 <= int(points) <= MAX_POINTS:
            errors[f"{index}.points"] = f"分值应为 1 至 {MAX_POINTS} 的整数。"
        if not any(key.startswith(f"{index}.") for key in errors):
            rows.append(ItemRow(int(section), text, int(points), bool(raw.get("per_person")), bool(raw.get("veto"))))
    if not errors:
        if not rows:
            errors["form"] = "检查表至少要有一项。"
        elif len(rows) > MAX_ITEMS:
            errors["form"] = f"检查表最多 {MAX_ITEMS} 项。"
        elif len({(r.section, r.text) for r in rows}) != len(rows):
            errors["form"] = "同一“统一”下有重复的检查内容。"
    rows.sort(key=lambda r: r.section)  # stable: keeps the order within a section
    return rows, errors


def new_version(actor, form: list[dict], note: str) -> ChecklistVersion:
    """Save an edit as the next version (caller commits); FieldErrors if invalid or unchanged."""
    rows, errors = parse_rows(form)
    note = " ".join((note or "").split())
    if not note or len(note) > 200:
        errors["note"] = "请写明修订说明（不超过 200 字）。"
    elif has_control(note):
        errors["note"] = "修订说明不能含控制字符。"
    current = current_version()
    if not errors and current is not None and rows == sorted(rows_of(current), key=lambda r: r.section):
        errors["form"] = "检查表没有修改，无需生成新版本。"
    if errors:
        raise FieldErrors(errors)
    version = _add_version(rows, note, actor.id)
    audit.record(actor, "inspection.checklist_version", version,
                 before={"version": current.number if current else None},
                 after={"version": version.number, "note": note, "items": len(rows),
                        "points": sum(r.points for r in rows)})
    return version


def save_settings(actor, values: dict) -> InspectionSettings:
    errors: dict[str, str] = {}
    limits = {"action_due_days": (1, 90, "整改期限"), "objection_days": (1, 30, "申诉期限"),
              "sample_size": (1, 49, "每次抽查社区数")}
    parsed: dict[str, int] = {}
    for name, (low, high, label) in limits.items():
        raw = str(values.get(name) or "").strip()
        if not (raw.isascii() and raw.isdigit() and len(raw) < 10) or not low <= int(raw) <= high:
            errors[name] = f"{label}应为 {low} 至 {high} 的整数。"
        else:
            parsed[name] = int(raw)
    if errors:
        raise FieldErrors(errors)
    row = db.session.get(InspectionSettings, 1)
    if row is None:
        row = InspectionSettings(id=1)
        db.session.add(row)
    before = {name: getattr(row, name) for name in limits}
    for name, value in parsed.items():
        setattr(row, name, value)
    row.updated_at = clock.now()
    row.updated_by_id = actor.id
    changed_before, changed_after = audit.diff(before, parsed)
    audit.record(actor, "inspection.settings", row, before=changed_before, after=changed_after)
    return row
