"""The guide's forms are read field by field (portal.guide.rules validates and says
what is wrong in Chinese); these are the fields as the templates lay them out."""
from portal.guide import rules

HINTS = {
    "aliases": "群众平时怎么说，用顿号或空格隔开，如：低保、最低生活保障金",
    "materials": "每行一项：材料名称｜份数｜原件/复印件/原件及复印件，如：居民身份证｜1｜原件及复印件",
    "time_limit": "如：材料齐全的，5 个工作日内办结",
    "handler": "如：公共服务区 民政岗",
    "notes": "如：代办的须带代办人身份证",
}
ITEM_FIELDS = [(name, label, limit, multi, HINTS.get(name)) for name, label, limit, multi in rules.FIELDS]
LOCAL_FIELDS = [spec for spec in ITEM_FIELDS if spec[0] in rules.LOCAL_FIELDS]


def item_values(item) -> dict:
    """A saved item as the form shows it."""
    if item is None:
        return {}
    return {**rules.snapshot(item), "materials": rules.materials_text(item.materials)}
