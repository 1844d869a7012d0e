"""Hostile form values: what a careless browser, a pasted spreadsheet or an attacker sends.

Every field strategy mixes the values the form offers with these, so that both the
accepting and the refusing path are walked.
"""
from hypothesis import strategies as st

MISSING = object()  # the field is left out of the request altogether

EMPTY = ["", " ", "   ", "\n", "\t \r\n", "\u3000", "\x00"]
HTML = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "\"><svg onload=alert(1)>",
    "</textarea><b>粗体</b>", "{{ 7*7 }}", "{% if %}", "javascript:alert(1)", "&lt;&amp;&#0;",
]
SQL = [
    "' OR '1'='1", "1; DROP TABLE people;--", "\" OR 1=1 --", "%", "_", "\\", "%_\\%",
    "1' UNION SELECT NULL, NULL--", "admin'--", "1 AND SLEEP(5)",
]
# Numbers, ids and booleans in the shapes that break int(), Decimal() and isdigit().
WRONG_TYPES = [
    "abc", "-1", "0", "00", "1.5", "1,5", "1e309", "1E+999999999", "NaN", "-Infinity", "9" * 30,
    "²", "①", "١٢", "１２", "0x1F", " 7 ", "None", "null", "true", "[]", "{}", "1_000", "+3", "-0",
    "2147483648", "9223372036854775808", "1\x00", "a\x00b",  # PostgreSQL refuses NUL in text
]
DATES = [
    "0001-01-01", "1900-01-01", "1969-12-31", "2016-12-31", "2100-01-01", "9999-12-31", "2026-02-30",
    "2026-13-01", "2026-00-10", "99999-01-01", "-2026-01-01", "2026-1-1", "20261125", "2026-11-25T10:00",
    "25/11/2026", "2026年11月25日", "2026-11", "2026-Q4", "0000-00-00", "２０２６-１１-２５",
]
TIMES = ["24:00", "23:60", "-1:30", "8", "08:30:99", "٠٨:٣٠", "99999999999:00", "8:", ":30", "08-30", "²:30"]
UNICODE = ["社区网格", "\u202e反向文字", "e\u0301", "😀" * 10, "\ufeff", "\u200b", "Ω≈ç√∫", "𠮷野家", "\U0010fffd"]

control = st.text(alphabet=st.characters(categories=["Cc"]), min_size=1, max_size=8)
huge = st.sampled_from(["长" * 5000, "9" * 5000, "x" * 20000, "<b>" * 3000, "\u0000" * 1000])
unicode_text = st.text(min_size=1, max_size=40)  # no surrogates: a browser cannot send them

nasty = st.one_of(
    st.sampled_from(EMPTY), unicode_text, st.sampled_from(UNICODE), control, huge, st.sampled_from(HTML),
    st.sampled_from(SQL), st.sampled_from(WRONG_TYPES), st.sampled_from(DATES), st.sampled_from(TIMES),
    st.builds(lambda a, b: a + b, st.sampled_from(["1", "2026-11-25", "08:30", "admin"]), control),
)


def field(*valid: str, missing: bool = True) -> st.SearchStrategy:
    """A form field: one of the offered values, something hostile, left out, or sent twice."""
    options = [st.sampled_from(valid)] if valid else []
    options.append(nasty)
    if missing:
        options.append(st.just(MISSING))
    options.append(st.lists(st.one_of(st.sampled_from(valid) if valid else nasty, nasty), min_size=2, max_size=3))
    strategy = st.one_of(*options)
    strategy.offered = valid  # for the one-field-at-a-time sweep in test_forms
    return strategy


def junk_fields() -> st.SearchStrategy:
    """Fields a form does not have (a button-only form still gets fuzzed this way)."""
    return st.dictionaries(st.sampled_from(["id", "person", "status", "admin", "csrf", "next", "_method", "x"]),
                           nasty, max_size=3)


PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
       b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7V\xbd\xfa\x00\x00\x00\x00IEND\xaeB`\x82")
FILE_NAMES = ["a.png", "照片.jpg", "x.pdf", "../../etc/passwd", "a.png.exe", "", ".png", "a" * 300 + ".png",
              "<script>.png", "con.png", "a\x00.png", "花名册.xlsx", "file"]
FILE_BODIES = [b"", PNG, b"%PDF-1.4\n%\xe2\xe3\n", b"GIF89a", b"PK\x03\x04garbage", b"\x00" * 64,
               "<html>文本</html>".encode(), PNG[:20]]


def upload(*extra_bodies: bytes) -> st.SearchStrategy:
    """(filename, bytes) of an uploaded file, or MISSING."""
    bodies = st.one_of(st.sampled_from(FILE_BODIES + list(extra_bodies)), st.binary(max_size=300))
    names = st.one_of(st.sampled_from(FILE_NAMES), unicode_text.map(lambda s: s + ".png"))
    return st.one_of(st.just(MISSING), st.tuples(names, bodies))
