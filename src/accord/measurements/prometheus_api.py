"""Prometheus' HTTP API, the one call the connector needs: a range query.

Every failure becomes a PrometheusError whose message says which server, what was asked
and what went wrong (unreachable, timed out, an HTTP error with Prometheus' own
explanation, an answer that is not Prometheus JSON), so `accord sync-prometheus` and the
worker's job log can show it as is.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

MAX_POINTS = 10_000  # per range query; Prometheus refuses more than 11,000


class PrometheusError(Exception):
    """A query could not be answered; the message is for people."""


def query_range(
    url: str, query: str, *, start: int, end: int, step: int, timeout: float
) -> dict[int, float]:
    """The query evaluated at start, start + step, …, end (epoch seconds): instant → value.

    The values of several series are summed; instants where the query gives nothing, or
    NaN (0/0 in a ratio), are left out — no data is not zero.
    """
    values: dict[int, float] = {}
    for chunk_start, chunk_end in _chunks(start, end, step):
        params = {"query": query, "start": chunk_start, "end": chunk_end, "step": step}
        answer = _get(url, "/api/v1/query_range", params, timeout)
        for series in _matrix(url, answer):
            try:
                _add(values, series["values"])
            except (KeyError, ValueError, TypeError):
                raise PrometheusError(
                    f"Prometheus at {url}: a series of the result has malformed values"
                ) from None
    return values


def _add(values: dict[int, float], samples: list[list[Any]]) -> None:
    for instant, text in samples:
        value = float(text)
        if math.isfinite(value):
            key = round(float(instant))
            values[key] = values.get(key, 0.0) + value


def _chunks(start: int, end: int, step: int) -> Iterator[tuple[int, int]]:
    span = step * (MAX_POINTS - 1)
    while start <= end:
        yield start, min(end, start + span)
        start += span + step


def _get(url: str, path: str, params: dict[str, Any], timeout: float) -> Any:
    where = f"Prometheus at {url}"
    request = Request(
        f"{url.rstrip('/')}{path}?{urlencode(params)}", headers={"Accept": "application/json"}
    )
    try:
        with urlopen(request, timeout=timeout) as response:
            body = response.read()
    except HTTPError as exc:
        raise PrometheusError(f"{where}: HTTP {exc.code}: {_explanation(exc)}") from None
    except TimeoutError:
        raise PrometheusError(f"{where}: no answer within {timeout:g} s") from None
    except URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise PrometheusError(f"{where}: no answer within {timeout:g} s") from None
        raise PrometheusError(f"{where}: unreachable ({exc.reason})") from None
    except OSError as exc:  # reset connections and the like
        raise PrometheusError(f"{where}: {exc}") from None
    try:
        return json.loads(body)
    except ValueError:
        start = body[:80].decode("utf-8", "replace")
        raise PrometheusError(f"{where}: the answer is not JSON (it begins {start!r})") from None


def _explanation(error: HTTPError) -> str:
    """Prometheus explains a refused query in its JSON body (`errorType`, `error`)."""
    try:
        body = json.loads(error.read())
        return f"{body['errorType']}: {body['error']}"
    except (ValueError, KeyError, TypeError, OSError):
        return str(error.reason)


def _matrix(url: str, answer: Any) -> list[dict[str, Any]]:
    where = f"Prometheus at {url}"
    if not isinstance(answer, dict) or "status" not in answer:
        raise PrometheusError(f"{where}: the answer is not a Prometheus API response")
    if answer["status"] != "success":
        raise PrometheusError(
            f"{where}: {answer.get('errorType', 'error')}: {answer.get('error', 'failed')}"
        )
    data = answer.get("data")
    if not isinstance(data, dict) or data.get("resultType") != "matrix":
        kind = data.get("resultType") if isinstance(data, dict) else None
        raise PrometheusError(f"{where}: expected a range result (matrix), got {kind!r}")
    result = data.get("result")
    if not isinstance(result, list):
        raise PrometheusError(f"{where}: the result is not a list")
    return result
