import threading
from argparse import ArgumentParser
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand
from gunicorn.app.base import BaseApplication

from accord.config import env, env_int
from accord.evaluation.worker import Worker
from accord.wsgi import application


class Server(BaseApplication):  # type: ignore[misc]
    """gunicorn, configured from our options instead of its command line."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return application


class EmbeddedWorker:
    """One background worker as a thread of gunicorn's master process.

    Started when the server is ready; on shutdown (SIGTERM / Ctrl-C) gunicorn stops its
    web workers, then this finishes the job in hand and exits.
    """

    def __init__(self) -> None:
        self.worker = Worker()
        self.thread = threading.Thread(target=self.worker.run, name="accord-worker")

    def when_ready(self, server: Any) -> None:
        self.thread.start()

    def on_exit(self, server: Any) -> None:
        self.worker.stop()
        if self.thread.is_alive():
            self.thread.join()


class Command(BaseCommand):
    help = "Serve Accord with gunicorn (production-grade WSGI server) and one worker."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--bind", default=None, help="address:port (ACCORD_BIND)")
        parser.add_argument("--workers", type=int, default=None, help="web processes")
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="serve only; run `accord worker` processes separately",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        bind = options["bind"] or env("BIND", "127.0.0.1:8000")
        # Compressed, hashed copies for whitenoise; quick when nothing changed.
        call_command("collectstatic", interactive=False, verbosity=0)
        config: dict[str, Any] = {
            "bind": bind,
            "workers": options["workers"] or env_int("WEB_WORKERS", 2),
            "threads": 4,
            "accesslog": "-",
            "timeout": 60,
            "forwarded_allow_ips": env("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        }
        if not options["no_worker"]:
            embedded = EmbeddedWorker()
            config |= {"when_ready": embedded.when_ready, "on_exit": embedded.on_exit}
        self.stdout.write(f"Accord is serving at http://{bind}/ (Ctrl-C stops it)")
        self.stdout.flush()
        Server(config).run()
