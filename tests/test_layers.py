"""The import contracts of pyproject.toml ([tool.importlinter]) hold, and they catch
an import that climbs: the activity log reaching up into a feature fails."""
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT = [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; "
        "sys.exit(lint_imports_command())", "--no-cache"]


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    # The working directory is put first on the path: the tree checked is `tree`'s portal.
    return subprocess.run(LINT, cwd=tree, capture_output=True, text=True, timeout=120)


def test_the_layers_hold():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_activity_log_reaching_up_into_the_board_fails(tmp_path):
    shutil.copytree(ROOT / "portal", tmp_path / "portal", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    models = tmp_path / "portal" / "activity" / "models.py"
    models.write_text(models.read_text(encoding="utf-8") + "\nfrom portal.board import rules  # noqa\n",
                      encoding="utf-8")

    result = lint_imports(tmp_path)

    assert result.returncode == 1
    assert "portal.activity.models -> portal.board.rules" in result.stdout
