"""`accord run` as a user meets it: a real gunicorn serving the demo, a real log-in."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, build_opener

import pytest

pytestmark = pytest.mark.slow
ACCORD = str(Path(sys.executable).with_name("accord"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    env = os.environ | {"ACCORD_DATA_DIR": str(tmp_path)}
    env.pop("ACCORD_DATABASE_URL", None)  # the embedded default, as `make run` uses it
    subprocess.run([ACCORD, "migrate", "-v0"], env=env, check=True)
    demo = subprocess.run([ACCORD, "demo"], env=env, check=True, capture_output=True, text=True)
    password = re.search(r"with password '([^']+)'", demo.stdout)
    assert password, demo.stdout
    port = _free_port()
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen(
        [ACCORD, "run", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env=env,
        stdout=log,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        # `accord run` collects (and compresses) the static files before it listens,
        # which takes tens of seconds on a busy machine.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        yield base, password[1]
    finally:
        # Stop only once the worker child is up, so its clean shutdown is what we test.
        deadline = time.monotonic() + 60
        while "started" not in (tmp_path / "server.log").read_text():
            assert time.monotonic() < deadline, "the embedded worker never started"
            time.sleep(0.2)
        proc.terminate()  # SIGTERM: web workers stop, then the embedded worker
        proc.wait(timeout=20)
        log.close()
    output = (tmp_path / "server.log").read_text()
    assert "worker" in output and "started" in output, output
    assert re.search(r"stopped after \d+ job\(s\)", output), output


def test_log_in_and_see_the_demo_agreements(server: tuple[str, str]) -> None:
    base, password = server
    browser = build_opener(HTTPCookieProcessor(CookieJar()))
    page = browser.open(f"{base}/login/").read().decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert csrf
    form = urlencode(
        {"username": "admin", "password": password, "csrfmiddlewaretoken": csrf[1], "next": "/"}
    ).encode()
    home = browser.open(f"{base}/login/", data=form)
    html = home.read().decode()
    assert home.url == f"{base}/"
    assert "Online Store — Retail Division SLA" in html and "Requirement (SLR)" in html
    css = browser.open(f"{base}/static/accord/accord.css")
    assert css.status == 200
