"""`mpp backup` and `mpp restore` (see mpp.ops.backup and docs/operations.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..config import Config
from .backup import BackupError, backup_name, prune
from .backup import backup as take_backup
from .backup import restore as put_back


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


@click.command("backup")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The file to write.")
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Write a time-stamped file here (the nightly timer's way).")
@click.option("--keep", type=click.IntRange(min=1), default=None,
              help="With --dir: keep only this many newest backups there.")
def backup(output: Path | None, folder: Path | None, keep: int | None) -> None:
    """Back up the whole database (consistent while the server runs)."""
    if (output is None) == (folder is None):
        _fail("give --output FILE or --dir FOLDER")
    if keep is not None and folder is None:
        _fail("--keep goes with --dir")
    url = Config().DATABASE_URL
    target = output if output is not None else folder / backup_name(url)  # type: ignore[operator]
    try:
        written = take_backup(url, target)
    except BackupError as exc:
        _fail(str(exc))
        return
    click.echo(f"backup written: {written} ({written.stat().st_size} bytes)")
    if keep is not None and folder is not None:
        for old in prune(folder, keep):
            click.echo(f"removed old backup {old.name}")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True,
              help="Overwrite a database that already holds a site.")
def restore(file: Path, replace: bool) -> None:
    """Restore a backup into MPP_DATABASE_URL (stop the servers first), then migrate."""
    from .. import migrate
    from ..db import Database

    url = Config().DATABASE_URL
    try:
        db = Database(url)
        empty = migrate.is_empty(db)
        db.dispose()
    except Exception as exc:  # noqa: BLE001 - one readable line, whatever the driver says
        _fail(f"cannot open the database: {str(exc).splitlines()[0]}")
        return
    if not empty and not replace:
        _fail("the database already holds a site; add --replace to overwrite it with "
              f"{file.name}")
    try:
        put_back(url, file)
    except BackupError as exc:
        _fail(str(exc))
        return
    db = Database(url)
    migrate.upgrade(db)  # a backup from an older release gets the newer schema
    db.dispose()
    click.echo(f"restored {file.name}; schema up to date")
