"""Uploaded files (病假条, inspection photos …): recognised by their content, not their
name, stored under instance/uploads/<kind>/ with a random name, never served directly."""
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from portal.errors import FORM, FieldErrors

SIGNATURES = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
}
EXTENSIONS = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg"}
SUFFIX = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}
DOCUMENTS = ("application/pdf", "image/jpeg", "image/png")
IMAGES = ("image/jpeg", "image/png")


@dataclass
class Stored:
    stored_name: str
    original_name: str
    content_type: str
    size: int


def _names(allowed) -> str:
    names = [SUFFIX[kind] for kind in allowed]
    return names[0] if len(names) == 1 else "、".join(names[:-1]) + " 或 " + names[-1]


def check(filename: str, data: bytes, max_bytes: int, allowed=DOCUMENTS) -> str:
    """The content type, or FieldErrors with a Chinese message."""
    noun = "照片" if set(allowed) <= set(IMAGES) else "附件"
    if not data:
        raise FieldErrors.on(FORM, "上传的文件是空的。")
    if len(data) > max_bytes:
        raise FieldErrors.on(FORM, f"{noun}不能超过 {max_bytes // (1024 * 1024)} MB。")
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    claimed = EXTENSIONS.get(extension)
    if claimed not in allowed:
        raise FieldErrors.on(FORM, f"{noun}只能是 {_names(allowed)} 文件。")
    actual = next((kind for kind, heads in SIGNATURES.items() if data.startswith(heads)), None)
    if actual not in allowed:
        raise FieldErrors.on(FORM, f"{noun}内容不是 {_names(allowed)} 文件。")
    if actual != claimed:
        raise FieldErrors.on(FORM, f"{noun}内容与扩展名“.{extension}”不符，请上传原始文件。")
    if actual in IMAGES:
        _verify_image(data, noun)
    return actual


MAX_PIXELS = 40_000_000  # a phone's photo is 12–50 MP; anything bigger is refused before decoding


def _verify_image(data: bytes, noun: str) -> None:
    """A right header on a broken or disguised file is not an image."""
    from io import BytesIO

    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(BytesIO(data)) as image:
            # The header says how big it decodes: a few kB of PNG may be 100 megapixels.
            if image.width * image.height > MAX_PIXELS:
                raise FieldErrors.on(FORM, f"{noun}像素过多（{image.width}×{image.height}），请上传不超过 4000 万像素的照片。")
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise FieldErrors.on(FORM, f"{noun}文件已损坏或不是图片，请重新拍摄或选择原始文件。") from None


def directory(kind: str) -> Path:
    path = Path(current_app.instance_path) / "uploads" / kind
    path.mkdir(parents=True, exist_ok=True)
    return path


def without_metadata(data: bytes, content_type: str) -> bytes:
    """The photo re-encoded with no EXIF (GPS position, phone, time) or other metadata:
    workers photograph residents' doors. The picture is turned upright first, since
    the orientation tag goes with the rest."""
    from io import BytesIO

    from PIL import Image, ImageOps

    with Image.open(BytesIO(data)) as image:
        upright = ImageOps.exif_transpose(image)
        out = BytesIO()
        if content_type == "image/jpeg":
            upright.convert("RGB").save(out, "JPEG", quality=88, optimize=True)
        else:
            upright.save(out, "PNG", optimize=True)
    return out.getvalue()


THUMBNAIL_SIZE = (320, 320)


def _thumbnail(data: bytes) -> bytes:
    """A small JPEG for lists: a page of photos loads on a phone in the stairwell."""
    from io import BytesIO

    from PIL import Image

    with Image.open(BytesIO(data)) as image:
        small = image.convert("RGB")
        small.thumbnail(THUMBNAIL_SIZE)
        out = BytesIO()
        small.save(out, "JPEG", quality=80, optimize=True)
    return out.getvalue()


def thumbnail_path(kind: str, stored_name: str) -> Path:
    """The list-sized copy of a stored photo, made now if it is missing (photos stored
    before thumbnails existed)."""
    path = directory(kind) / (Path(stored_name).stem + ".thumb.jpg")
    if not path.exists():
        original = path_of(kind, stored_name)
        if original.exists():
            path.write_bytes(_thumbnail(original.read_bytes()))
    return path


def store(kind: str, filename: str, data: bytes, max_bytes: int, allowed=DOCUMENTS) -> Stored:
    content_type = check(filename, data, max_bytes, allowed)
    if content_type in IMAGES:
        data = without_metadata(data, content_type)
    name = f"{secrets.token_hex(16)}.{SUFFIX[content_type]}"
    (directory(kind) / name).write_bytes(data)
    if content_type in IMAGES:
        (directory(kind) / (Path(name).stem + ".thumb.jpg")).write_bytes(_thumbnail(data))
    clean = "".join(ch for ch in filename if ch.isprintable())[-120:] or f"附件.{SUFFIX[content_type]}"
    return Stored(stored_name=name, original_name=clean, content_type=content_type, size=len(data))


def path_of(kind: str, stored_name: str) -> Path:
    return directory(kind) / Path(stored_name).name
