"""Supporting documents for leave (病假条 …): pdf, jpg or png, at most 5 MB,
recognised by their content, not their name; stored under instance/uploads/."""
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

SIGNATURES = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
}
EXTENSIONS = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg"}
SUFFIX = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}


class UploadError(Exception):
    pass


@dataclass
class Stored:
    stored_name: str
    original_name: str
    content_type: str


def upload_dir() -> Path:
    path = Path(current_app.instance_path) / "uploads" / "leave"
    path.mkdir(parents=True, exist_ok=True)
    return path


def check(filename: str, data: bytes, max_bytes: int) -> str:
    """The content type, or UploadError with a Chinese message."""
    if not data:
        raise UploadError("上传的文件是空的。")
    if len(data) > max_bytes:
        raise UploadError(f"附件不能超过 {max_bytes // (1024 * 1024)} MB。")
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    claimed = EXTENSIONS.get(extension)
    if claimed is None:
        raise UploadError("附件只能是 pdf、jpg 或 png 文件。")
    actual = next((kind for kind, heads in SIGNATURES.items() if data.startswith(heads)), None)
    if actual is None:
        raise UploadError("附件内容不是 pdf、jpg 或 png 文件。")
    if actual != claimed:
        raise UploadError(f"附件内容与扩展名“.{extension}”不符，请上传原始文件。")
    return actual


def store(filename: str, data: bytes, max_bytes: int) -> Stored:
    content_type = check(filename, data, max_bytes)
    name = f"{secrets.token_hex(16)}.{SUFFIX[content_type]}"
    (upload_dir() / name).write_bytes(data)
    clean = "".join(ch for ch in filename if ch.isprintable())[-120:] or f"附件.{SUFFIX[content_type]}"
    return Stored(stored_name=name, original_name=clean, content_type=content_type)


def path_of(stored_name: str) -> Path:
    return upload_dir() / Path(stored_name).name
