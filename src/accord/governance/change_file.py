"""A proposed change as `accord impact --change FILE`, the API and the form describe it.

```yaml
components: [orders-db]        # and/or services: [...]
start: 2026-12-05T22:00:00Z
end: 2026-12-06T00:00:00Z
outage: full                   # or a fraction in (0, 1]: a partial outage of that impact
planned: true
```
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import yaml

from accord.catalogue.models import Subject


class ChangeInvalid(ValueError):
    """A change description a user wrote is not usable; the message says where."""


@dataclass(frozen=True)
class Change:
    subjects: tuple[str, ...]
    start: datetime
    end: datetime
    impact: float = 1.0  # 1 = full outage; a fraction for a partial one
    planned: bool = True
    name: str = ""

    @property
    def seconds(self) -> int:
        return int((self.end - self.start).total_seconds())


def parse_change(data: Any, *, where: str = "change") -> Change:
    """A change from a mapping (YAML file, API body, form): `components` and/or `services`
    (or `subjects`), `start`, `end`, `outage` (`full` or a fraction in (0, 1]), `planned`."""
    if not isinstance(data, Mapping):
        raise ChangeInvalid(f"{where}: expected a mapping with components/services, start, end")
    names: list[str] = []
    for key in ("components", "services", "subjects"):
        value = data.get(key) or []
        if isinstance(value, str) or not all(isinstance(v, str) for v in value):
            raise ChangeInvalid(f"{where}.{key}: expected a list of names")
        names += value
    if not names:
        raise ChangeInvalid(f"{where}: name at least one of components or services")
    known = set(Subject.objects.filter(name__in=names).values_list("name", flat=True))
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ChangeInvalid(f"{where}: no component or service named {', '.join(unknown)}")
    start, end = _instant(data, "start", where), _instant(data, "end", where)
    if end <= start:
        raise ChangeInvalid(f"{where}.end: must be after start ({start.isoformat()})")
    planned = data.get("planned", True)
    if not isinstance(planned, bool):
        raise ChangeInvalid(f"{where}.planned: expected true or false")
    return Change(
        tuple(dict.fromkeys(names)),
        start,
        end,
        _impact(data, where),
        planned,
        str(data.get("name", "")),
    )


def load_change(text: str, *, where: str) -> Change:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ChangeInvalid(f"{where}: not valid YAML ({error})") from None
    if isinstance(data, Mapping) and isinstance(data.get("change"), Mapping):
        data = data["change"]
    return parse_change(data, where=where)


def _instant(data: Mapping[str, Any], key: str, where: str) -> datetime:
    value = data.get(key)
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            raise ChangeInvalid(
                f"{where}.{key}: expected an ISO 8601 instant such as 2026-12-05T22:00:00Z, "
                f"got {value!r}"
            ) from None
    if moment.tzinfo is None:
        raise ChangeInvalid(f"{where}.{key}: give a UTC offset (Z or +01:00): {value!r}")
    return moment


def _impact(data: Mapping[str, Any], where: str) -> float:
    value = data.get("outage", "full")
    if value == "full":
        return 1.0
    try:
        fraction = float(value)
    except (TypeError, ValueError):
        fraction = -1.0
    if not 0 < fraction <= 1:
        raise ChangeInvalid(
            f"{where}.outage: expected `full` or a fraction in (0, 1], got {value!r}"
        )
    return fraction
