"""Reading the State Council's yearly notice (国务院办公厅关于XXXX年部分节假日安排的通知).

The notice has one numbered line per festival, in a form that has not changed in years:

    二、春节：1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，共8天。1月26日（周日）、2月8日（周六）上班。

* The clause with 放假 gives the break. Every day from its first to its last is a
  法定假日, the weekend days inside it included, as chinese-calendar stores them.
  "共N天" (or "放假N天") must agree with the span, or the line is wrong.
* A clause ending in 上班 lists the 调休上班日, which can only be a Saturday or a Sunday.
  A clause with 补休 (older notices: "6月22日（星期一）补休") adds a day to the break.
* "1月1日放假，与周末连休" makes that one day a 法定假日; the weekend next to it stays an
  ordinary weekend, a rest day either way. chinese-calendar reads it so in 2014–2018
  and for 2024's 端午 (6月10日); only its 2019 data counts the weekend as holiday too.
* Weekday notes such as "（周五）", "（星期五）", "（农历除夕、周二）" are checked against
  the date: a notice of another year pasted here fails on its first weekday.
* Everything else — the title, 文号, the addressees, the opening and closing paragraphs,
  the encouragement to rest on 除夕 — is not an arrangement and is skipped. The title
  and "现将2025年…通知如下" must name the page's year.

A break may cross New Year ("2022年12月31日至2023年1月2日", or "12月31日至1月2日",
whose end rolls into the next year). Days of another year are kept apart in
`ParsedNotice.outside`: they belong to that year's calendar and are not imported here.

Pure: no request, no database. Text is NFKC-normalised first, so full-width and
half-width digits and punctuation read alike. Every refusal is a
FieldErrors({"notice": "第N行“…”：…"}) naming the line as the admin sees it.
"""
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta

from portal.clock import WEEKDAYS, format_date, format_weekday
from portal.errors import FieldErrors
from portal.text import first_control, is_control
from portal.workdays.rules import FESTIVALS, MAX_NAME, DayInfo

MAX_CHARS = 20_000
MAX_BREAK_DAYS = 20      # the longest break so far is 9 days (春节 2026); a longer span is a typo
EXCERPT = 40             # characters of a line quoted in a message

NUMERAL = "一二三四五六七八九十"


def _date_pattern(prefix: str | None = "") -> str:
    """年 optional, 月 optional (taken from the date before), a weekday note optional."""
    def group(name):
        return "(?:" if prefix is None else f"(?P<{prefix}{name}>"
    return (rf"(?:{group('y')}\d{{4}})\s*年\s*)?(?:{group('m')}\d{{1,2}})\s*月\s*)?{group('d')}\d{{1,2}})\s*日"
            rf"(?:\s*\({group('note')}[^()]*)\))?")


DATE_RE = re.compile(_date_pattern())
SPAN_RE = re.compile(rf"^\s*(?P<first>{_date_pattern('a')})(?:\s*[至到~\-—–]\s*(?P<last>{_date_pattern('b')}))?\s*$")
LIST_RE = re.compile(rf"^\s*{_date_pattern(None)}(?:\s*[、和及与]\s*{_date_pattern(None)})*\s*$")
NUMBERED_RE = re.compile(rf"^\s*[{NUMERAL}]+\s*[、.]\s*(?P<rest>.*)$")
ITEM_RE = re.compile(r"^(?P<names>[^:]+?)\s*:\s*(?P<body>.+)$")
ITEM_START_RE = re.compile(rf"(?<=。)\s*(?=[{NUMERAL}]+\s*、)")  # items run together on one line
TITLE_YEAR_RE = re.compile(r"关于\s*(\d{4})\s*年.{0,12}?节假日安排")
OPENING_YEAR_RE = re.compile(r"现将\s*(\d{4})\s*年")
INVISIBLE_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")  # zero-width marks a copy from the web brings
WEEKDAY_NOTE_RE = re.compile(r"(?:周|星期)([一二三四五六日天])")
COUNT_RE = re.compile(r"(?:共|放假)\s*(\d{1,3})\s*天")
KEYWORDS = ("放假", "补休", "上班")
NAME_SPLIT_RE = re.compile(r"\s*[、和与及/]\s*")


@dataclass
class Festival:
    """One numbered line of the notice."""

    line: int
    name: str                                   # 春节; combined festivals: 国庆节/中秋节
    holidays: list[date] = field(default_factory=list)
    adjusted_workdays: list[date] = field(default_factory=list)
    stated_days: int | None = None              # 共N天, when the line says it

    @property
    def first(self) -> date:
        return self.holidays[0]

    @property
    def last(self) -> date:
        return self.holidays[-1]


@dataclass
class ParsedNotice:
    year: int
    title: str | None                           # the notice's title line, when pasted
    festivals: list[Festival]
    holidays: dict[date, str]                   # 法定假日 of `year` → festival
    adjusted_workdays: dict[date, str]          # 调休上班日 of `year` → festival
    outside: dict[date, DayInfo]                # days the notice sets in another year: not imported

    @property
    def special(self) -> dict[date, DayInfo]:
        """The year's days as the calendar grid shows them."""
        days = {d: DayInfo("holiday", name) for d, name in self.holidays.items()}
        days.update({d: DayInfo("adjusted_workday", name) for d, name in self.adjusted_workdays.items()})
        return dict(sorted(days.items()))

    @property
    def festivals_missing(self) -> list[str]:
        named = " ".join(f.name for f in self.festivals)
        return [f for f in FESTIVALS if f not in named]


class _LineError(Exception):
    def __init__(self, problem: str):
        super().__init__(problem)
        self.problem = problem


def _refuse(number: int, text: str, problem: str):
    excerpt = text.strip()
    if len(excerpt) > EXCERPT:
        excerpt = excerpt[:EXCERPT] + "…"
    raise FieldErrors({"notice": f"第{number}行“{excerpt}”：{problem}"})


# -- dates ------------------------------------------------------------------------------

@dataclass
class _Context:
    """What a date without its year or month takes from the date before it on the line."""

    year: int                  # the page's year
    last_year: int | None = None
    last_month: int | None = None


def _date(match: re.Match, prefix: str, context: _Context, after: date | None = None) -> date:
    y, m, d, note = (match.group(prefix + k) for k in ("y", "m", "d", "note"))
    year = int(y) if y else (context.last_year or context.year)
    if m:
        month = int(m)
    elif context.last_month:
        month = context.last_month
    else:
        raise _LineError(f"“{match.group(0)}”没有写月份。")
    try:
        day = date(year, month, int(d))
    except ValueError:
        raise _LineError(f"{month}月{int(d)}日不是有效的日期。") from None
    if after is not None and day < after and not y and m:
        day = _next_year(day, month, int(d))  # "12月31日至1月2日": the end is in the next year
    if abs(day.year - context.year) > 1:
        raise _LineError(f"{format_date(day)}不在{context.year}年前后，请确认这是{context.year}年的通知。")
    context.last_year, context.last_month = day.year, day.month
    _check_weekday(day, note)
    return day


def _next_year(day: date, month: int, number: int) -> date:
    try:
        return date(day.year + 1, month, number)
    except ValueError:
        raise _LineError(f"{month}月{number}日不是有效的日期。") from None


def _check_weekday(day: date, note: str | None) -> None:
    found = WEEKDAY_NOTE_RE.search(note or "")
    if found is None:
        return
    said = "日" if found.group(1) == "天" else found.group(1)
    if WEEKDAYS.index(said) != day.weekday():
        raise _LineError(f"{format_date(day)}是{format_weekday(day)}，通知写的是“{found.group(0)}”。"
                         f"请确认这是{day.year}年的通知、日期没有抄错。")


def _dates(text: str, context: _Context) -> list[date]:
    return [_date(m, "", context) for m in DATE_RE.finditer(text)]


# -- one festival line ------------------------------------------------------------------

def _names(text: str) -> str:
    names = [n for n in NAME_SPLIT_RE.split(text.strip()) if n]
    if not names or any(re.search(r"\d|月|日", n) for n in names):
        raise _LineError("没有读出节日名称，应如“二、春节：……”。")
    name = "/".join(names)
    if len(name) > MAX_NAME:
        raise _LineError(f"节日名称超过 {MAX_NAME} 个字。")
    return name


def _break(clause: str, context: _Context) -> list[date]:
    span = SPAN_RE.match(clause.split("放假", 1)[0])
    if span is None:
        raise _LineError("没有读出放假日期，应如“1月1日至3日放假”或“1月1日放假”。")
    first = _date(span, "a", context)
    last = _date(span, "b", context, after=first) if span.group("last") else first
    if last < first:
        raise _LineError(f"放假的最后一天（{format_date(last)}）早于第一天（{format_date(first)}）。")
    length = (last - first).days + 1
    if length > MAX_BREAK_DAYS:
        raise _LineError(f"放假期间长达 {length} 天，不像通知中的安排，请检查日期。")
    return [first + timedelta(days=n) for n in range(length)]


def _workdays(clause: str, context: _Context) -> list[date]:
    listed = clause.split("上班", 1)[0]
    if not LIST_RE.match(listed):
        raise _LineError("没有读出调休上班日，应如“1月26日（周日）、2月8日（周六）上班”。")
    days = _dates(listed, context)
    for day in days:
        if day.weekday() < 5:
            raise _LineError(f"调休上班日{format_date(day)}是{format_weekday(day)}；只有星期六、星期日才需要调休上班。")
    return days


def _clauses(body: str):
    """The clauses of a festival's sentences. Dates listed with commas ("1月26日，2月8日
    上班") are joined to the clause that says what they are."""
    for sentence in filter(None, (s.strip() for s in body.split("。"))):
        pending = []
        for clause in filter(None, (c.strip() for c in re.split(r"[,;]", sentence))):
            if not any(word in clause for word in KEYWORDS) and LIST_RE.match(clause):
                pending.append(clause)
                continue
            yield "、".join([*pending, clause])
            pending = []
        if pending:
            raise _LineError(f"读不出“{'，'.join(pending)}”是放假还是上班。")


def _festival(number: int, names: str, body: str, year: int) -> Festival:
    festival = Festival(number, _names(names))
    context = _Context(year)
    found_break = False
    for clause in _clauses(body):
        if "放假" in clause and not found_break:
            festival.holidays += _break(clause, context)
            found_break = True
        elif "补休" in clause:
            festival.holidays += _dates(clause.split("补休", 1)[0], context)
        elif "上班" in clause:
            festival.adjusted_workdays += _workdays(clause, context)
        count = COUNT_RE.search(clause)
        if count and found_break and festival.stated_days is None:
            festival.stated_days = int(count.group(1))
    if not found_break:
        raise _LineError("没有读出放假日期，应如“1月1日至3日放假，共3天。”。")
    festival.holidays.sort()
    if len(set(festival.holidays)) != len(festival.holidays):
        raise _LineError("同一天重复出现在放假日期中。")
    if festival.stated_days is not None and festival.stated_days != len(festival.holidays):
        raise _LineError(f"放假日期{format_date(festival.first)}至{format_date(festival.last)}共 {len(festival.holidays)} 天，"
                         f"与通知所写“共{festival.stated_days}天”不符。")
    return festival


# -- the whole text ---------------------------------------------------------------------

def _lines(text: str) -> list[tuple[int, str, str]]:
    """(number as the admin sees it, the line as pasted, the line NFKC-normalised);
    items that run together on one line are split apart under the same number."""
    lines = []
    for number, raw in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1):
        bad = first_control(raw, allow_newlines=True, strict=True)  # lines are split: only a tab passes
        if bad is not None:
            _refuse(number, _visible(raw), f"含有不可见的控制字符（U+{ord(bad):04X}），请删除后重新粘贴。")
        normal = unicodedata.normalize("NFKC", raw).strip()
        for part in ITEM_START_RE.split(normal):
            if part.strip():
                lines.append((number, raw, part.strip()))
    return lines


def _visible(text: str) -> str:
    return "".join("�" if is_control(ch, strict=True) else ch for ch in text)


def _check_size(text: str) -> str:
    text = INVISIBLE_RE.sub("", (text or "").replace("\r\n", "\n"))
    if not text.strip():
        raise FieldErrors({"notice": "请粘贴国务院办公厅关于部分节假日安排的通知全文。"})
    if len(text) > MAX_CHARS:
        raise FieldErrors({"notice": f"粘贴的文字有 {len(text)} 字，超过了 {MAX_CHARS} 字的上限；"
                                       "请只粘贴这一份通知。"})
    return text


def _item(normal: str) -> tuple[bool, re.Match | None]:
    """(is it a festival line, its names and body): numbered ("二、春节：…"), or
    starting with a festival's name and a colon ("春节：…")."""
    numbered = NUMBERED_RE.match(normal)
    if numbered:
        return True, ITEM_RE.match(numbered.group("rest"))
    item = ITEM_RE.match(normal)
    if item and all(n in FESTIVALS for n in NAME_SPLIT_RE.split(item.group("names").strip()) if n):
        return True, item
    return False, None


def parse_notice(text: str, year: int) -> ParsedNotice:
    """The notice's 法定假日 and 调休上班日 of `year`; FieldErrors names the first
    line that cannot be right."""
    lines = _lines(_check_size(text))
    title, festivals = None, []
    for number, raw, normal in lines:
        stated = TITLE_YEAR_RE.search(normal) or OPENING_YEAR_RE.search(normal)
        if stated and not NUMBERED_RE.match(normal):
            if int(stated.group(1)) != year:
                _refuse(number, raw, f"这是{stated.group(1)}年的通知，本页是{year}年的工作日历。")
            if TITLE_YEAR_RE.search(normal) and title is None:
                title = normal
            continue
        is_item, item = _item(normal)
        if not is_item:
            continue  # 文号, addressees, closing paragraphs: not an arrangement
        if item is None:
            _refuse(number, raw, "看不懂这条节日安排，应如“一、元旦：1月1日放假，共1天。”。")
        try:
            festivals.append(_festival(number, item.group("names"), item.group("body"), year))
        except _LineError as error:
            _refuse(number, raw, error.problem)
    if not festivals:
        number, raw, _normal = lines[0]
        _refuse(number, raw, "从这里起没有读出任何节日安排。请粘贴通知全文，"
                             "或至少其中“一、元旦：……”至“七、国庆节：……”各行。")
    return _collect(year, title, festivals, {n: raw for n, raw, _ in lines})


def _collect(year: int, title: str | None, festivals: list[Festival], raw: dict[int, str]) -> ParsedNotice:
    """One calendar from the lines: no day both off and worked, none claimed twice."""
    claimed: dict[date, tuple[str, Festival]] = {}
    for festival in festivals:
        for day in festival.holidays:
            if day in claimed:
                other = claimed[day][1]
                _refuse(festival.line, raw[festival.line],
                        f"{format_date(day)}已在第{other.line}行（{other.name}）的放假期间内。")
            claimed[day] = ("holiday", festival)
    for festival in festivals:
        for day in festival.adjusted_workdays:
            if day in claimed:
                kind, other = claimed[day]
                where = "放假期间内" if kind == "holiday" else "调休上班日中"
                _refuse(festival.line, raw[festival.line],
                        f"调休上班日{format_date(day)}已在第{other.line}行（{other.name}）的{where}，"
                        "同一天不能既放假又上班。")
            claimed[day] = ("adjusted_workday", festival)
    holidays, workdays, outside = {}, {}, {}
    for day, (kind, festival) in sorted(claimed.items()):
        if day.year != year:
            outside[day] = DayInfo(kind, festival.name)
        elif kind == "holiday":
            holidays[day] = festival.name
        else:
            workdays[day] = festival.name
    if not holidays:
        first = festivals[0]
        _refuse(first.line, raw[first.line], f"通知中没有{year}年的放假日期。")
    return ParsedNotice(year, title, festivals, holidays, workdays, outside)
