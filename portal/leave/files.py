"""Supporting documents for leave (病假条 …): pdf, jpg or png, at most 5 MB,
stored under instance/uploads/leave/."""
from portal import uploads
from portal.uploads import Stored  # noqa: F401 (the leave views' names)


def check(filename: str, data: bytes, max_bytes: int) -> str:
    return uploads.check(filename, data, max_bytes, uploads.DOCUMENTS)


def store(filename: str, data: bytes, max_bytes: int) -> Stored:
    return uploads.store("leave", filename, data, max_bytes, uploads.DOCUMENTS)


def path_of(stored_name: str):
    return uploads.path_of("leave", stored_name)
