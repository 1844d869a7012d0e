"""Free text from forms. PostgreSQL refuses NUL in text, and no field of the portal
needs control characters (line breaks aside, in multi-line notes)."""
import re
import unicodedata

LINE_BREAKS = "\r\n\t"


def is_control(ch: str, strict: bool = False) -> bool:
    """Cc (NUL, escapes, line breaks); `strict` adds the other invisible kinds (Cf format
    such as bidi overrides and zero-width marks, Co, Cn, Cs), for names and one-line
    values that are matched or shown on the board."""
    category = unicodedata.category(ch)
    return category[0] == "C" if strict else category == "Cc"


def first_control(text: str, allow_newlines: bool = False, strict: bool = False) -> str | None:
    return next((ch for ch in text if is_control(ch, strict) and not (allow_newlines and ch in LINE_BREAKS)),
                None)


def has_control(text: str, allow_newlines: bool = False, strict: bool = False) -> bool:
    return first_control(text, allow_newlines, strict) is not None


def clean(raw, limit: int | None = None) -> str:
    """Text as it is looked up or kept: every invisible character (strict) dropped,
    trimmed, at most `limit` characters. Fields that refuse instead ask has_control."""
    text = "".join(ch for ch in str(raw or "") if not is_control(ch, strict=True))
    return text.strip()[:limit]


def choice(value: str | None, yes: str, no: str) -> bool | None:
    """A two-way decision from a form's button: True for `yes`, False for `no`, None for
    anything else. A malformed decision is never read as the negative outcome."""
    value = (value or "").strip()
    return True if value == yes else False if value == no else None


def field_text(raw: str | None, limit: int, field: str, label: str, errors: dict) -> str | None:
    """One line of free text, stripped; None when empty. Too long or with control
    characters: None, and `errors[field]` says why in Chinese."""
    text = (raw or "").strip()
    if not text:
        return None
    if len(text) > limit:
        errors[field] = f"{label}不能超过 {limit} 个字。"
        return None
    if has_control(text, strict=True):
        errors[field] = f"{label}不能包含控制字符。"
        return None
    return text


# A mobile number, or a landline with its area code (0472-1234567): people's own
# numbers, a leave's contact number, a resident's number for a call back.
PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


def masked_phone(phone: str | None) -> str:
    """A number as lists show it to whoever may not call it: 138****5678."""
    if not phone:
        return ""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"
