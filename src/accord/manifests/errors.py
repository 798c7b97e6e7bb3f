"""Errors a user can make in `accord/v1` manifests.

Every stage collects all the errors it finds and raises them together, so a user fixes
a broken set of files in one round instead of one error per run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class ManifestError:
    """One problem, located as precisely as the manifest allows."""

    file: str
    line: int | None
    kind: str | None
    name: str | None
    path: str | None
    message: str

    def __str__(self) -> str:
        # `file:line: Kind name: spec.path: message`, leaving out the parts we do not know.
        parts = [self.file if self.line is None else f"{self.file}:{self.line}"]
        subject = " ".join(part for part in (self.kind, self.name) if part)
        if subject:
            parts.append(subject)
        if self.path:
            parts.append(self.path)
        parts.append(self.message)
        return ": ".join(parts)

    def sort_key(self) -> tuple[str, int, str, str]:
        return (self.file, self.line or 0, self.path or "", self.message)


class ManifestInvalid(Exception):
    """The manifests cannot be applied; `errors` lists every problem, by file and line."""

    def __init__(self, errors: Iterable[ManifestError]) -> None:
        self.errors: list[ManifestError] = sorted(set(errors), key=ManifestError.sort_key)
        super().__init__(self._summary())

    def _summary(self) -> str:
        count = len(self.errors)
        head = f"{count} error{'s' if count != 1 else ''} in manifests"
        return "\n".join([head, *(str(error) for error in self.errors)])

    def __str__(self) -> str:
        return self._summary()


def show(value: object) -> str:
    """A value as the user wrote it, for messages: text quoted, others as YAML shows them."""
    if isinstance(value, str):
        return f'"{value}"'
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return str(value)
