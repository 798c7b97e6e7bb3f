import signal
from argparse import ArgumentParser
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand

from accord.evaluation.worker import Worker


class Command(BaseCommand):
    help = "Process due background work; any number may run against one database."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--burst", action="store_true", help="exit when nothing is due instead of waiting"
        )
        parser.add_argument(
            "--poll",
            type=float,
            default=1.0,
            metavar="SECONDS",
            help="how long to wait when nothing is due",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        worker = Worker(poll_seconds=options["poll"])

        def stop(signum: int, frame: FrameType | None) -> None:
            worker.stop()  # the job in hand finishes; then the loop ends

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        done = worker.run(burst=options["burst"])
        self.stdout.write(f"worker stopped after {done} job(s)")
