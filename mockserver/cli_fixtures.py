"""``kratos-mock fixtures validate`` and ``fixtures export``."""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
from collections.abc import Sequence

import yaml

from . import generations
from .cli_fuzz import unreachable
from .export import export_fixture
from .fixtures import validate_files


def run_validate(paths: Sequence[str], api: str = "v26.2") -> int:
    """``kratos-mock fixtures validate``: every file checked, loaded together as ``run`` would."""
    errors = validate_files(paths, rules=generations.get(api).rules)
    for error in errors:
        print(error, file=sys.stderr)
    together = " (loaded together, in this order)" if len(paths) > 1 else ""
    print(f"{len(paths) - len(errors)} of {len(paths)} fixture files are valid{together}", file=sys.stderr)
    return 1 if errors else 0


def run_export(args: argparse.Namespace) -> int:
    """``kratos-mock fixtures export``: a running Kratos (or mock) as a fixture file."""
    problem = unreachable(args.base_url)
    if problem:  # as fuzz, diff and shadow: one line, exit 2
        print(problem, file=sys.stderr)
        return 2
    try:
        document = export_fixture(args.base_url, public_url=args.public_url, token=args.token)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        print(f"kratos-mock: cannot export from {args.base_url}: {exc}", file=sys.stderr)
        return 1
    if args.output.endswith(".json"):
        text = json.dumps(document, indent=1, ensure_ascii=False) + "\n"
    else:
        text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    if args.output == "-":
        sys.stdout.write(text)
    else:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text)
    counts = f"{len(document['identities'])} identities, {len(document['sessions'])} sessions"
    print(f"exported {counts} and {len(document['schemas'])} schemas", file=sys.stderr)
    return 0
