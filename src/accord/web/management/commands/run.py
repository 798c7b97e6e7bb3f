from argparse import ArgumentParser
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand
from gunicorn.app.base import BaseApplication

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


class Command(BaseCommand):
    help = "Serve Accord with gunicorn (production-grade WSGI server)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--bind", default=None, help="address:port (ACCORD_BIND)")
        parser.add_argument("--workers", type=int, default=None, help="web processes")

    def handle(self, *args: Any, **options: Any) -> None:
        from accord.config import env, env_int

        bind = options["bind"] or env("BIND", "127.0.0.1:8000")
        # Compressed, hashed copies for whitenoise; quick when nothing changed.
        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(f"Accord is serving at http://{bind}/ (Ctrl-C stops it)")
        Server(
            {
                "bind": bind,
                "workers": options["workers"] or env_int("WEB_WORKERS", 2),
                "threads": 4,
                "accesslog": "-",
                "timeout": 60,
                "preload_app": True,
                "forwarded_allow_ips": env("FORWARDED_ALLOW_IPS", "127.0.0.1"),
            }
        ).run()
