"""`accord run` collects static files once, and again only when a source changes."""

from __future__ import annotations

import os
from pathlib import Path

from django.test import override_settings

from accord.web.static_files import STAMP, collect_static_if_changed, sources_fingerprint


def test_collects_once_then_only_after_a_change(tmp_path: Path) -> None:
    source = tmp_path / "extra"
    source.mkdir()
    (source / "extra.css").write_text("body {}")
    root = tmp_path / "static"
    only_ours = ["django.contrib.staticfiles.finders.FileSystemFinder"]  # not the 16 MB
    with override_settings(
        STATIC_ROOT=root, STATICFILES_DIRS=[source], STATICFILES_FINDERS=only_ours
    ):
        assert collect_static_if_changed() is True
        assert (root / "extra.css").read_text() == "body {}"
        assert (root / STAMP).read_text() == sources_fingerprint()
        assert collect_static_if_changed() is False
        (source / "extra.css").write_text("body { margin: 0 }")
        later = (root / "extra.css").stat().st_mtime + 2  # collectstatic compares seconds
        os.utime(source / "extra.css", (later, later))
        assert collect_static_if_changed() is True
        assert (root / "extra.css").read_text() == "body { margin: 0 }"
