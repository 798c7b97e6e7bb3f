"""Turning report and review content into files: PDF (WeasyPrint), CSV and JSON.

Shared by period reports and service reviews, so every printable document is made the
same way: a Django template rendered to HTML, then that HTML printed by WeasyPrint with
the fonts installed on the machine. Nothing is fetched from the network while printing:
the URL fetcher only serves `file:` and `data:` URLs and the app's static files.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import decimal
import enum
import io
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string

# Page CSS every printed document gets, before its own styles: A4, margins, page numbers.
# Templates add their own `@media print` rules; this only sets what a PDF always needs.
BASE_PRINT_CSS = """
@page {
  size: A4;
  margin: 16mm 14mm 18mm 14mm;
  @bottom-right { content: "page " counter(page) " of " counter(pages);
                  font-size: 8pt; color: #555; }
}
html { font-family: "DejaVu Sans", "Liberation Sans", sans-serif; font-size: 9.5pt; }
"""


def _local_url_fetcher(url: str, timeout: int = 10, ssl_context: Any = None) -> dict[str, Any]:
    """Serve `file:`/`data:` URLs and `/static/…` from disk; refuse anything remote, so a
    template that mentions a CDN fails loudly in development instead of hanging a worker."""
    from weasyprint.urls import default_url_fetcher

    if url.startswith(("file:", "data:")):
        return default_url_fetcher(url, timeout=timeout, ssl_context=ssl_context)
    static_url = str(getattr(settings, "STATIC_URL", "/static/") or "/static/")
    marker = url.find(static_url)
    if marker != -1:
        relative = url[marker + len(static_url) :].split("?", 1)[0]
        found = _find_static(relative)
        if found is not None:
            return {"string": found.read_bytes(), "filename": found.name}
    raise ValueError(f"refusing to fetch {url!r} while printing a PDF (only local files)")


def _find_static(relative: str) -> Path | None:
    from django.contrib.staticfiles import finders

    found = finders.find(relative)
    if isinstance(found, (list, tuple)):
        found = found[0] if found else None
    return Path(found) if found else None


def render_pdf(html: str, *, base_url: str = "/", extra_css: str = "") -> bytes:
    """Print `html` to PDF bytes. `base_url` resolves relative links and `/static/` paths
    (give the page's own URL, or "/"); `extra_css` is added after the base print CSS."""
    # WeasyPrint narrates every layout step at INFO (some at import): noise in logs and CLI.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    from weasyprint import CSS, HTML

    stylesheets = [CSS(string=BASE_PRINT_CSS)]
    if extra_css:
        stylesheets.append(CSS(string=extra_css))
    document = HTML(string=html, base_url=base_url, url_fetcher=_local_url_fetcher)
    return document.write_pdf(stylesheets=stylesheets)


def render_template_pdf(
    template: str, context: Mapping[str, Any], *, base_url: str = "/", extra_css: str = ""
) -> bytes:
    """Render a Django template (with `printing=True` in its context, so a template can
    leave out navigation and forms) and print it to PDF bytes."""
    html = render_to_string(template, {**context, "printing": True})
    return render_pdf(html, base_url=base_url, extra_css=extra_css)


def to_jsonable(value: Any) -> Any:
    """Dataclasses, dates, decimals, enums, sets and tuples to plain JSON values.
    Datetimes become ISO 8601 in UTC (stored values are aware; naive ones pass as they are)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value) if isinstance(value, (set, frozenset)) else value
        return [to_jsonable(v) for v in items]
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, enum.Enum):
        return value.value
    return value


def render_json(value: Any, *, indent: int | None = 2) -> bytes:
    """JSON bytes (UTF-8) of any value `to_jsonable` understands."""
    text = json.dumps(to_jsonable(value), indent=indent, ensure_ascii=False, sort_keys=False)
    return (text + "\n").encode("utf-8")


def render_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """CSV bytes (UTF-8, `\\r\\n` line ends as RFC 4180 says). Values go through
    `to_jsonable`, so datetimes are ISO 8601 UTC; None is an empty cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else _cell(v) for v in row])
    return buffer.getvalue().encode("utf-8")


def _cell(value: Any) -> Any:
    plain = to_jsonable(value)
    if isinstance(plain, (dict, list)):
        return json.dumps(plain, ensure_ascii=False)
    return plain
