"""The `accord` console script: every Django management command and Accord's own.

`accord apply -f …`, `accord export`, `accord demo`, `accord run`, and also `accord migrate`,
`accord createsuperuser`, `accord shell`, … — settings come from ACCORD_* variables only.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "accord.settings"
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else ["accord", *argv])
    args[0] = "accord"
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
