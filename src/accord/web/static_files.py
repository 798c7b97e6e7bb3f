"""Collect static files for whitenoise only when they changed.

Compressing the ~16 MB of collected files (Django admin, the API docs, our vendored
assets) costs 15 s of CPU on a small machine, so `accord run` would be slow to start on
every launch. A fingerprint of the sources (path, size, mtime) decides whether to redo it.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.core.management import call_command

STAMP = ".accord-sources"


def sources_fingerprint() -> str:
    entries = []
    for finder in get_finders():
        for path, storage in finder.list(ignore_patterns=[]):
            stat = os.stat(storage.path(path))
            entries.append(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(sorted(entries)).encode()).hexdigest()


def collect_static_if_changed() -> bool:
    """Run collectstatic unless the collected copy matches the sources; True if it ran."""
    stamp = Path(settings.STATIC_ROOT) / STAMP
    fingerprint = sources_fingerprint()
    if stamp.exists() and stamp.read_text() == fingerprint:
        return False
    call_command("collectstatic", interactive=False, verbosity=0)
    stamp.write_text(fingerprint)
    return True
