"""JSON text of imported values, made fast: every event's attributes and history pass
through here on the bulk path."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from json.encoder import c_make_encoder, encode_basestring_ascii  # type: ignore[attr-defined]
from typing import Any

from accord.measurements.batches import TextMaps


def _json_encoder() -> Callable[[Any], str]:
    """json.dumps' text, from one C encoder made once: json.dumps (and
    JSONEncoder.encode) build a new one per call, which costs three times the
    encoding of a small dict. No check for circular structures: imported values are
    trees."""
    if c_make_encoder is None:  # an interpreter without the C accelerator
        return json.JSONEncoder().encode
    chunks = c_make_encoder(
        None,
        json.JSONEncoder().default,
        encode_basestring_ascii,
        None,
        ": ",
        ", ",
        False,
        False,
        True,
    )
    join = "".join
    return lambda value: join(chunks(value, 0))


json_text = _json_encoder()
json_string: Callable[[str], str] = encode_basestring_ascii  # '"…"', escaped, in C


def json_column(values: Sequence[Mapping[str, Any]], empty: str | None = "{}") -> list[str | None]:
    """The JSON text of each map, as `json_text` writes it; `empty` for an empty one."""
    if isinstance(values, TextMaps) and values.names:
        # Keys and values are all text: each row's JSON is a template filled with the
        # encoded values, column by column in C.
        keys = [json_string(name) for name in values.names]
        template = (
            "{{"
            + ", ".join(f"{key.replace('{', '{{').replace('}', '}}')}: {{}}" for key in keys)
            + "}}"
        )
        encoded = [map(json_string, column) for column in values.columns]
        return list(map(template.format, *encoded))
    if not any(values):
        return [empty] * len(values)
    return [json_text(value) if value else empty for value in values]
