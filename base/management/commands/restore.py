from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from base.backups import backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup`: the database named by DATABASE_URL is "
        "emptied and refilled, and the uploaded files are put back under MEDIA_ROOT."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path, help="a folder written by `manage.py backup`")
        parser.add_argument(
            "--no-input", action="store_false", dest="interactive", help="do not ask to confirm"
        )

    def handle(self, *args, folder, interactive, **options):
        name = settings.DATABASES["default"]["NAME"]
        if interactive:
            answer = input(
                f"This replaces everything in the database {name}. Type 'yes' to go on: "
            )
            if answer != "yes":
                raise CommandError("Nothing was restored.")
        for line in backup_restore(folder):
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS("Restore finished."))
