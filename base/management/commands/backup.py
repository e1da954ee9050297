from pathlib import Path

from django.core.management.base import BaseCommand

from base.backups import backup_create


class Command(BaseCommand):
    help = "Back up the database and the uploaded files into a folder."

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path, help="where to write the backup (created if new)")

    def handle(self, *args, folder, **options):
        for line in backup_create(folder):
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(f"Backed up into {folder}."))
