import signal
import subprocess
import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from gunicorn.app.base import BaseApplication

from accord.config import env, env_int
from accord.web.static_files import collect_static_if_changed
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
    """One background worker (`accord worker`) as a child process of gunicorn's master.

    A process, not a thread: gunicorn forks its web workers from the master, and a
    thread running there at fork time can leave locks held in the children. Started
    when the server is ready; on shutdown (SIGTERM / Ctrl-C) it is sent SIGTERM, finishes
    the job in hand and exits.
    """

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None

    def when_ready(self, server: Any) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "accord.cli", "worker"])

    def on_exit(self, server: Any) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait()


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
        collect_static_if_changed()  # compressed copies for whitenoise
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
