"""Real image files for upload tests (a header alone is not an image)."""
from io import BytesIO

from PIL import Image


def png(width: int = 8, height: int = 8, color=(200, 30, 30)) -> bytes:
    out = BytesIO()
    Image.new("RGB", (width, height), color).save(out, "PNG")
    return out.getvalue()


def jpeg(width: int = 8, height: int = 8, color=(30, 30, 200)) -> bytes:
    out = BytesIO()
    Image.new("RGB", (width, height), color).save(out, "JPEG")
    return out.getvalue()
