"""Free text from forms. PostgreSQL refuses NUL in text, and no field of the portal
needs control characters (line breaks aside, in multi-line notes)."""
import unicodedata


def has_control(text: str, allow_newlines: bool = False) -> bool:
    return any(unicodedata.category(ch) == "Cc" and not (allow_newlines and ch in "\r\n\t") for ch in text)
