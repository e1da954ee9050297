"""The documented backup and restore commands bring back members and their uploaded files on an
empty database, as after losing a server."""

import os
import subprocess
import sys

import psycopg2
import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection

from tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db(transaction=True)


def database_url(name: str) -> str:
    return settings.DATABASE_URL.rsplit("/", 1)[0] + f"/{name}"


def manage(*arguments: str, **environment: str) -> subprocess.CompletedProcess:
    this_run = {"DATABASE_URL": database_url(settings.DATABASES["default"]["NAME"])}
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        env={**os.environ, "DEBUG": "true", **this_run, **environment},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.fixture
def empty_database():
    """A new, empty database on the same server: where a restore after a disaster goes."""
    name = f"{settings.DATABASES['default']['NAME']}_restored"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield name, database_url(name)
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_backup_restored_into_an_empty_database_brings_back_members_and_files(
    tmp_path, empty_database
):
    profile = ProfileFactory(member__name="Bryony Backup", member__email="bryony@example.org")
    profile.photo.save("bryony.jpg", ContentFile(b"\xff\xd8\xff a photo"))
    database_name, database_url = empty_database
    backup = tmp_path / "backup-2026-11-26"
    media = {"MEDIA_ROOT": str(settings.MEDIA_ROOT)}

    made = manage("backup", str(backup), **media)
    assert made.returncode == 0, made.stderr
    assert "Backed up" in made.stdout

    restored_media = tmp_path / "restored-media"
    restored = manage(
        "restore",
        str(backup),
        "--no-input",
        DATABASE_URL=database_url,
        MEDIA_ROOT=str(restored_media),
    )
    assert restored.returncode == 0, restored.stderr

    database = settings.DATABASES["default"]
    with (
        psycopg2.connect(
            dbname=database_name,
            host=database.get("HOST") or None,
            port=database.get("PORT") or None,
            user=database.get("USER") or None,
        ) as restored_database,
        restored_database.cursor() as cursor,
    ):
        cursor.execute(
            "SELECT m.name, p.photo FROM members_user m "
            "JOIN members_profile p ON p.member_id = m.id WHERE m.email = %s",
            ["bryony@example.org"],
        )
        name, photo = cursor.fetchone()
    restored_database.close()
    assert name == "Bryony Backup"
    assert (restored_media / photo).read_bytes() == b"\xff\xd8\xff a photo"


def test_restoring_from_a_folder_that_is_not_a_backup_says_so_and_changes_nothing(tmp_path):
    result = manage("restore", str(tmp_path), "--no-input")

    assert result.returncode != 0
    assert "is this a backup folder?" in result.stderr


def test_a_backup_is_readable_by_its_owner_alone(tmp_path):
    backup = tmp_path / "backup"

    made = manage("backup", str(backup), MEDIA_ROOT=str(settings.MEDIA_ROOT))

    assert made.returncode == 0, made.stderr
    for part in [backup, *backup.iterdir()]:
        assert part.stat().st_mode & 0o077 == 0, f"{part.name} is readable by others"
