"""Online backup and restore of the portal's database (`flask backup`, `flask restore`).

SQLite: the sqlite3 backup API copies one consistent snapshot while the portal
keeps writing (in WAL mode a reader never blocks the writers). PostgreSQL:
pg_dump's custom format, taken in a single snapshot transaction, and pg_restore
in one transaction, so a failed restore leaves the database as it was.
A backup is written next to its target and renamed into place only when complete.
"""
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from portal.errors import FORM, FieldErrors


def backup(database_url: str, path) -> Path:
    url, path = make_url(database_url), Path(path)
    if path.is_dir():
        raise FieldErrors.on(FORM, f"{path} 是目录，请给出备份文件名。")
    backend = url.get_backend_name()
    if backend == "sqlite":
        _sqlite_backup(_sqlite_file(url), path)
    elif backend == "postgresql":
        _pg_backup(url, path)
    else:
        raise FieldErrors.on(FORM, f"不支持备份 {backend} 数据库。")
    return path


def restore(path, database_url: str) -> None:
    """Replace the database's contents with the backup at `path`."""
    url, path = make_url(database_url), Path(path)
    if not path.is_file():
        raise FieldErrors.on(FORM, f"备份文件不存在：{path}")
    backend = url.get_backend_name()
    if backend == "sqlite":
        _sqlite_restore(path, _sqlite_file(url))
    elif backend == "postgresql":
        _pg_restore(path, url)
    else:
        raise FieldErrors.on(FORM, f"不支持恢复到 {backend} 数据库。")


# -- SQLite ---------------------------------------------------------------------------

def _sqlite_file(url) -> Path:
    if not url.database or url.database == ":memory:":
        raise FieldErrors.on(FORM, "内存数据库无法备份或恢复。")
    return Path(url.database)


def _check(con: sqlite3.Connection, what: str) -> None:
    result = con.execute("PRAGMA integrity_check").fetchone()[0]
    if result != "ok":
        raise FieldErrors.on(FORM, f"{what}未通过完整性检查：{result}")
    if con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'").fetchone() is None:
        raise FieldErrors.on(FORM, f"{what}不是本系统的数据库（缺少 alembic_version 表）。")


def _sqlite_backup(database: Path, path: Path) -> None:
    if not database.is_file():
        raise FieldErrors.on(FORM, f"数据库文件不存在：{database}")
    partial = path.with_name(path.name + ".part")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(database, timeout=30)
    target = sqlite3.connect(partial)
    try:
        source.backup(target)  # all pages in one step: one read snapshot
        target.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
        _check(target, "备份")
    except sqlite3.Error as error:
        target.close()
        partial.unlink(missing_ok=True)
        raise FieldErrors.on(FORM, f"备份失败：{error}") from None
    except FieldErrors:
        target.close()
        partial.unlink(missing_ok=True)
        raise
    finally:
        target.close()
        source.close()
    os.replace(partial, path)


def _sqlite_restore(path: Path, database: Path) -> None:
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        try:
            _check(source, "备份文件")
        except sqlite3.DatabaseError as error:
            raise FieldErrors.on(FORM, f"备份文件无法读取：{error}") from None
        database.parent.mkdir(parents=True, exist_ok=True)
        target = sqlite3.connect(database, timeout=30)
        try:
            source.backup(target)  # page by page under the target's write lock
            _check(target, "恢复后的数据库")
        finally:
            target.close()
    finally:
        source.close()


# -- PostgreSQL -----------------------------------------------------------------------

def _pg(tool: str, args: list[str], url) -> None:
    exe = shutil.which(tool)
    if exe is None:
        raise FieldErrors.on(FORM, f"找不到 {tool}，请安装 postgresql-client（版本不低于服务器）。")
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)  # not on the command line, where ps shows it
    conninfo = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    done = subprocess.run([exe, *args, f"--dbname={conninfo}"], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise FieldErrors.on(FORM, f"{tool} 失败：{done.stderr.strip()[-2000:]}")


def _pg_backup(url, path: Path) -> None:
    partial = path.with_name(path.name + ".part")
    partial.unlink(missing_ok=True)
    try:
        _pg("pg_dump", ["--format=custom", f"--file={partial}"], url)
    except FieldErrors:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, path)


def _pg_restore(path: Path, url) -> None:
    _pg("pg_restore", ["--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
                       "--exit-on-error", str(path)], url)
