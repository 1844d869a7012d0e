"""Reading the matters forms (CSRF is checked for every POST by CSRFProtect)."""
from werkzeug.datastructures import MultiDict

from portal.matters.rules import MAX_PHOTOS, MatterInput


def matter_input(form: MultiDict) -> MatterInput:
    return MatterInput(grid_id=form.get("grid_id"), place=form.get("place"), description=form.get("description"),
                       kind_id=form.get("kind_id"), urgency_id=form.get("urgency_id"),
                       resident_name=form.get("resident_name"), phone=form.get("phone"),
                       consent=form.get("consent") == "on")


def photos(files: MultiDict, name: str = "photo") -> list[tuple[str, bytes]]:
    """The chosen files (empty file inputs dropped), at most one more than allowed so
    the rule can refuse the surplus."""
    chosen = [f for f in files.getlist(name) if f and f.filename]
    return [(f.filename, f.read()) for f in chosen[:MAX_PHOTOS + 1]]
