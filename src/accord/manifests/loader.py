"""Read `accord/v1` YAML files and directories into documents that remember their lines.

PyYAML's constructor forgets where values came from, so documents are composed into
nodes and built here by hand: every value gets its field path (`spec.targets[1].within`)
mapped to the line it starts on, which is what lets every later error name a line.

Only the envelope is checked here (apiVersion, kind, metadata, spec); the contents of
`spec` are checked by `accord.manifests.validate`. Values are plain YAML values: YAML
dates are `datetime.date`, timestamps `datetime.datetime` (aware when the text has an
offset), mapping keys are always the key's text.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from accord.manifests.errors import ManifestError, ManifestInvalid, show

API_VERSION = "accord/v1"
KINDS = (
    "Party",
    "Calendar",
    "Component",
    "Service",
    "DataSource",
    "Agreement",
    "MaintenanceWindow",
    "TemporaryChange",
)
SLUG = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
SLUG_HINT = "lower-case letters, digits and hyphens, e.g. online-store"
_ENVELOPE = ("apiVersion", "kind", "metadata", "spec")
_METADATA = ("name", "title")


@dataclass(frozen=True)
class Document:
    kind: str
    name: str
    title: str  # metadata.title, "" when absent
    spec: dict[str, Any]
    file: str
    line: int
    lines: Mapping[str, int]


class _Builder:
    """Turns one composed document into Python values, recording the line of each path."""

    def __init__(self, loader: yaml.SafeLoader, file: str) -> None:
        self.loader = loader
        self.file = file
        self.lines: dict[str, int] = {}
        self.errors: list[ManifestError] = []

    def build(self, node: yaml.Node, path: str, depth: int = 0) -> Any:
        self.lines.setdefault(path, node.start_mark.line + 1)
        if depth > 50:  # only a recursive alias nests this deep; refuse instead of looping
            self._error(node, path, "is nested too deeply (a recursive alias?)")
            return None
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            return [
                self.build(item, f"{path}[{index}]", depth + 1)
                for index, item in enumerate(node.value)
            ]
        return self.loader.construct_object(node)

    def _mapping(self, node: yaml.MappingNode, path: str, depth: int) -> dict[str, Any]:
        own = sum(1 for key, _ in node.value if key.tag != "tag:yaml.org,2002:merge")
        self.loader.flatten_mapping(node)  # puts the pairs of `<<` merge keys first
        first_own = len(node.value) - own
        result: dict[str, Any] = {}
        own_keys: set[str] = set()
        for index, (key_node, value_node) in enumerate(node.value):
            if not isinstance(key_node, yaml.ScalarNode):
                self._error(key_node, path, "a mapping key must be plain text")
                continue
            # The key's text, not its YAML value: `on:` or `1:` are field names, not booleans.
            key = str(key_node.value)
            child = f"{path}.{key}" if path else key
            if index >= first_own:
                # A key of the mapping itself overrides a merged one; one given twice is a slip.
                if key in own_keys:
                    self._error(key_node, child, "appears twice in one mapping")
                    continue
                own_keys.add(key)
            # Point errors at the key's line: a block value starts on the line below it.
            self.lines[child] = key_node.start_mark.line + 1
            result[key] = self.build(value_node, child, depth + 1)
        return result

    def _error(self, node: yaml.Node, path: str, message: str) -> None:
        line = node.start_mark.line + 1
        self.errors.append(ManifestError(self.file, line, None, None, path or None, message))


def load_paths(paths: Sequence[str | Path]) -> list[Document]:
    """Every document in `paths` (files, or directories read recursively), in order."""
    documents: list[Document] = []
    errors: list[ManifestError] = []
    for file in _files(paths, errors):
        docs, file_errors = load_file(file)
        documents.extend(docs)
        errors.extend(file_errors)
    if errors:
        raise ManifestInvalid(errors)
    return documents


def _files(paths: Sequence[str | Path], errors: list[ManifestError]) -> Iterator[Path]:
    seen: set[Path] = set()
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.suffix in (".yaml", ".yml")
                and p.is_file()
                # Hidden files and folders are editor, VCS or CI files, never manifests.
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not found:
                errors.append(_file_error(path, "no .yaml or .yml files in this directory"))
        elif path.exists():
            found = [path]
        else:
            errors.append(_file_error(path, "no such file or directory"))
            continue
        for file in found:
            # The same file named twice (a directory and a file in it) is read once.
            if file.resolve() not in seen:
                seen.add(file.resolve())
                yield file


def _file_error(path: Path, message: str) -> ManifestError:
    return ManifestError(str(path), None, None, None, None, message)


def load_file(path: Path) -> tuple[list[Document], list[ManifestError]]:
    """The documents of one file and the errors found in it (the loader never stops early)."""
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return [], [_file_error(path, "is not UTF-8 text")]
    except OSError as exc:
        return [], [_file_error(path, f"cannot be read ({exc.strerror})")]
    documents: list[Document] = []
    errors: list[ManifestError] = []
    loader = yaml.SafeLoader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None or (isinstance(node, yaml.ScalarNode) and node.value == ""):
                continue  # an empty document, e.g. after a trailing `---`
            builder = _Builder(loader, file)
            value = builder.build(node, "")
            errors.extend(_named(error, value) for error in builder.errors)
            document = _document(value, file, node.start_mark.line + 1, builder.lines, errors)
            if document is not None:
                documents.append(document)
    except yaml.MarkedYAMLError as exc:
        errors.append(_syntax_error(file, exc))
    finally:
        loader.dispose()
    return documents, errors


def _named(error: ManifestError, value: Any) -> ManifestError:
    """Name the document a structural error is in, once the whole document is built."""
    kind = value.get("kind") if isinstance(value, dict) else None
    metadata = value.get("metadata") if isinstance(value, dict) else None
    name = metadata.get("name") if isinstance(metadata, dict) else None
    kind, name = (v if isinstance(v, str) else None for v in (kind, name))
    return dataclasses.replace(error, kind=kind, name=name)


def _syntax_error(file: str, exc: yaml.MarkedYAMLError) -> ManifestError:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else None
    message = f"invalid YAML: {exc.problem}"
    if exc.context and exc.context_mark is not None:
        message += f" ({exc.context} at line {exc.context_mark.line + 1})"
    return ManifestError(file, line, None, None, None, message)


def _document(
    value: Any, file: str, line: int, lines: dict[str, int], errors: list[ManifestError]
) -> Document | None:
    """Check the envelope; None (with errors recorded) when the document is unusable."""
    lines[""] = line
    if not isinstance(value, dict):
        message = "expected a mapping with apiVersion, kind, metadata and spec"
        errors.append(ManifestError(file, line, None, None, None, message))
        return None
    metadata = value.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    kind = value.get("kind")
    allowed = f"unknown field (allowed: {', '.join(_ENVELOPE)})"
    found = [(key, allowed) for key in value if key not in _ENVELOPE]  # (path, message)
    found += [("", f'missing required field "{key}"') for key in _ENVELOPE if key not in value]
    if "apiVersion" in value and value["apiVersion"] != API_VERSION:
        found.append(("apiVersion", f'expected "{API_VERSION}", got {show(value["apiVersion"])}'))
    if "kind" in value and kind not in KINDS:
        found.append(("kind", f"unknown kind {show(kind)} (known: {', '.join(KINDS)})"))
    found += _metadata_problems(metadata) if "metadata" in value else []
    if "spec" in value and not isinstance(value["spec"], dict):
        found.append(("spec", "expected a mapping (write `spec: {}` for none)"))
    shown_kind = kind if isinstance(kind, str) else None
    shown_name = name if isinstance(name, str) else None
    for path, message in found:
        where = lines.get(path, line)
        errors.append(ManifestError(file, where, shown_kind, shown_name, path or None, message))
    if found or shown_kind is None or shown_name is None or not isinstance(metadata, dict):
        return None
    title = metadata.get("title") or ""
    return Document(shown_kind, shown_name, title, value["spec"], file, line, lines)


def _metadata_problems(metadata: Any) -> list[tuple[str, str]]:
    if not isinstance(metadata, dict):
        return [("metadata", "expected a mapping with name (and optionally title)")]
    found = [
        (f"metadata.{key}", f"unknown field (allowed: {', '.join(_METADATA)})")
        for key in metadata
        if key not in _METADATA
    ]
    name = metadata.get("name")
    if "name" not in metadata:
        found.append(("metadata", 'missing required field "name"'))
    elif not isinstance(name, str) or not SLUG.match(name):
        found.append(("metadata.name", f"{show(name)} is not a valid name ({SLUG_HINT})"))
    title = metadata.get("title")
    if title is not None and not isinstance(title, str):
        found.append(("metadata.title", f"expected text, got {show(title)}"))
    return found
