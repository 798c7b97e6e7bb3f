from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from accord.manifests.export import dump, export_documents, export_to_directory


class Command(BaseCommand):
    help = "Write every catalogue object and agreement as accord/v1 manifests."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "-o",
            "--output",
            metavar="DIR",
            help="write one file per kind group into DIR (default: stdout)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["output"]:
            for path in export_to_directory(Path(options["output"])):
                self.stdout.write(f"wrote {path}")
        else:
            self.stdout.write(dump(export_documents()), ending="")
