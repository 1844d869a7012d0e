"""The organisation of Qingshan District as printed in 青府办发〔2017〕72号 (2017-09-15).

Transcribed by hand from notice_2017_72.txt; tests/test_notice.py parses that text
independently and compares every figure. The document's own quirks are kept, and
each is written down here rather than silently corrected.
"""
from dataclasses import dataclass, field

DISTRICT_NAME = "青山区"
NOTICE_NO = "青府办发〔2017〕72号"
TOTAL_GRIDS = 529
TOTAL_GRID_WORKERS = 529
TOTAL_PUBLIC_SERVICE_STAFF = 147
HOUSEHOLDS_PER_GRID_WORKER = 400  # "按照平均400户配备1网格员的原则"


@dataclass(frozen=True)
class CommunityFact:
    name: str
    slug: str
    grids: int
    staff: int
    staff_inferred: bool = False
    printed_as: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class StreetFact:
    name: str
    slug: str
    kind: str  # 街道 or 镇
    households: int
    grids: int
    staff: int | None
    communities: tuple[CommunityFact, ...]
    households_note: str | None = None
    staff_note: str | None = None
    extra: dict = field(default_factory=dict)


def _c(name, slug, grids, **kw):
    return CommunityFact(name=name, slug=slug, grids=grids, staff=kw.pop("staff", 3), **kw)


STREETS: tuple[StreetFact, ...] = (
    StreetFact("富强路街道", "fuqiang", "街道", 22928, 58, 18, (
        _c("富源社区", "fuyuan", 12), _c("富达社区", "fuda", 9), _c("富润社区", "furun", 10),
        _c("富饶社区", "furao", 8),
        _c("丰产社区", "fengchan", 9, printed_as="丰产社", note="原文作“丰产社”，缺“区”字及左括号"),
        _c("锦林社区", "jinlin", 10),
    )),
    StreetFact("幸福路街道", "xingfu", "街道", 16197, 46, 12, (
        _c("阳光社区", "yangguang", 11), _c("繁荣社区", "fanrong", 11), _c("幸福社区", "xingfu", 10),
        _c("赛音社区", "saiyin", 14),
    )),
    StreetFact("自由路街道", "ziyou", "街道", 29838, 70, 21, (
        _c("光明社区", "guangming", 8), _c("学院社区", "xueyuan", 11), _c("互助社区", "huzhu", 8),
        _c("文昌社区", "wenchang", 12), _c("民主社区", "minzhu", 10), _c("欧鹿社区", "oulu", 10),
        _c("光辉社区", "guanghui", 11),
    )),
    StreetFact("万青路街道", "wanqing", "街道", 30591, 72, 21, (
        _c("振华社区", "zhenhua", 14), _c("青云社区", "qingyun", 9), _c("新型社区", "xinxing", 9),
        _c("春光社区", "chunguang", 13), _c("育才社区", "yucai", 9), _c("五一社区", "wuyi", 8),
        _c("草原社区", "caoyuan", 10),
    )),
    StreetFact("科学路街道", "kexue", "街道", 35527, 87, 21, (
        _c("康乐社区", "kangle", 12), _c("迎宾一社区", "yingbin1", 8), _c("迎宾二社区", "yingbin2", 10),
        _c("纺织社区", "fangzhi", 26), _c("雅园社区", "yayuan", 10), _c("望园社区", "wangyuan", 10),
        _c("迎春社区", "yingchun", 11),
    )),
    StreetFact("先锋道街道", "xianfeng", "街道", 21000, 43, 12, (
        _c("北嘉社区", "beijia", 12), _c("光荣社区", "guangrong", 10), _c("青园社区", "qingyuan", 12),
        _c("哈达社区", "hada", 9),
    ), households_note="原文作“现有户数21000”，无“户”字，按户数理解"),
    StreetFact("青山路街道", "qingshan", "街道", 25373, 65, 21, (
        _c("自一社区", "ziyi", 8), _c("青五社区", "qingwu", 10), _c("民一社区", "minyi", 10),
        _c("朝阳社区", "chaoyang", 9), _c("都兰社区", "dulan", 8), _c("六合成社区", "liuhecheng", 10),
        _c("北新社区", "beixin", 10),
    )),
    StreetFact("乌素图街道", "wusutu", "街道", 12577, 28, 9, (
        _c("长征社区", "changzheng", 12), _c("利民社区", "limin", 11), _c("建华社区", "jianhua", 5),
    )),
    StreetFact("青福镇", "qingfu", "镇", 29064, 53, 9, (
        _c("保利社区", "baoli", 22), _c("万郡社区", "wanjun", 21), _c("银海社区", "yinhai", 10),
    ), households_note="原文为“现有城区居民户数”"),
    StreetFact("兴胜镇", "xingsheng", "镇", 3826, 7, None, (
        _c("松石社区", "songshi", 7, staff_inferred=True,
           note="原文未列公共服务区人数；总数147减去各街镇所列合计144，推定为3人"),
    ), households_note="原文为“现有城区居民户数”",
        staff_note="原文未列公共服务区工作人员数；各街镇所列合计144，与总数147相差3，推定属松石社区"),
)


def stated_staff_total() -> int:
    """The per-street staff figures as printed: 144, three short of the notice's 147."""
    return sum(s.staff for s in STREETS if s.staff is not None)
