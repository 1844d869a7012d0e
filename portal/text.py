"""Free text from forms. PostgreSQL refuses NUL in text, and no field of the portal
needs control characters (line breaks aside, in multi-line notes)."""
import unicodedata


def has_control(text: str, allow_newlines: bool = False) -> bool:
    return any(unicodedata.category(ch) == "Cc" and not (allow_newlines and ch in "\r\n\t") for ch in text)


def choice(value: str | None, yes: str, no: str) -> bool | None:
    """A two-way decision from a form's button: True for `yes`, False for `no`, None for
    anything else. A malformed decision is never read as the negative outcome."""
    value = (value or "").strip()
    return True if value == yes else False if value == no else None
