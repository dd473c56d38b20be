"""``kratos-mock fuzz`` and ``kratos-mock diff``: schemathesis against the mock or a URL.

Both need the ``fuzz`` extra (``pip install 'kratos-mock[fuzz]'``: schemathesis, hypothesis,
requests); without it they say so in one line. A URL that does not answer is one line too.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import urllib.error
import urllib.request
import warnings
from pathlib import Path

FUZZ_MODULES = ("schemathesis", "hypothesis", "requests")


def missing_extra(command: str) -> str | None:
    """What to tell the user when the ``fuzz`` extra is not installed, else ``None``."""
    missing = [m for m in FUZZ_MODULES if _absent(m)]
    if not missing:
        return None
    return (
        f"kratos-mock {command} needs {', '.join(missing)}, from the fuzz extra: "
        "pip install 'kratos-mock[fuzz]' (or '.[fuzz]' in a checkout)"
    )


def _absent(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is None
    except (ImportError, ValueError):  # sys.modules[module] is None, or a broken package
        return True


def unreachable(url: str, timeout: float = 5.0) -> str | None:
    """Why ``url`` cannot be reached (no HTTP answer at all), else ``None``: any status will do."""
    try:
        with urllib.request.urlopen(url, timeout=timeout):  # noqa: S310 - the user's URL
            return None
    except urllib.error.HTTPError:
        return None  # it answered
    except urllib.error.URLError as exc:
        reason = exc.reason
        text = getattr(reason, "strerror", None) or str(reason)
        return f"kratos-mock: cannot reach {url}: {text}"
    except (OSError, ValueError) as exc:
        return f"kratos-mock: cannot reach {url}: {exc}"


def _first_unreachable(*urls: str | None) -> str | None:
    for url in urls:
        if url:
            problem = unreachable(url)
            if problem:
                return problem
    return None


def run_fuzz(args: argparse.Namespace) -> int:
    if args.public_url and args.frontend:
        print("kratos-mock: with --frontend, --base-url is the public port (no --public-url)", file=sys.stderr)
        return 2
    problem = missing_extra("fuzz") or _first_unreachable(args.base_url, args.public_url)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from .app import Settings, create_app
    from .fixtures import FixtureError
    from .fuzz import FRONTEND_TAG, PUBLIC_OPERATIONS, build_schema, bundled_baseline, merge, run
    from .fuzz_reports import findings_table, write_reports

    app = None
    if not args.base_url:
        try:
            app = create_app(seed=args.seed, fixtures=args.fixtures or (), settings=Settings(require_token=args.token))
        except FixtureError as exc:
            print(f"kratos-mock: {exc}", file=sys.stderr)
            return 2
    baseline = args.baseline
    tag = FRONTEND_TAG if args.frontend else None
    if baseline is None:
        baseline = bundled_baseline(tag) if args.spec is None else None
    elif baseline == "none":
        baseline = None
    target = args.base_url or "the mock, in-process"
    print(
        f"fuzzing {target} with {args.spec or 'the bundled spec'}, {args.max_examples} examples per operation",
        file=sys.stderr,
    )
    options = {
        "app": app,
        "spec": args.spec,
        "token": args.token,
        "max_examples": args.max_examples,
        "stateful": args.stateful,
        "checks": [c for c in (args.checks or "").split(",") if c] or None,
        "exclude_checks": [c for c in args.exclude_checks.split(",") if c],
        "seed": args.seed,
        "workers": args.workers,
        "baseline": baseline,
        "tag": tag,
    }
    if args.public_url and not args.base_url:
        print("kratos-mock: --public-url goes with --base-url", file=sys.stderr)
        return 2
    plans = [build_schema(base_url=args.base_url, **options)]
    if args.public_url:  # Kratos serves the identity schemas on its public port
        plans = [
            build_schema(base_url=args.base_url, exclude_operation_ids=PUBLIC_OPERATIONS, **options),
            build_schema(base_url=args.public_url, operation_ids=PUBLIC_OPERATIONS, **options),
        ]
    result = merge([run(p, progress=lambda line: print(f"  {line}", file=sys.stderr, flush=True)) for p in plans])
    kinds = [k for k in args.report.split(",") if k]
    for path in write_reports(result, kinds, Path(args.report_dir)) if kinds else []:
        print(f"report: {path}", file=sys.stderr)
    print(findings_table(result))
    for error in result.errors:
        print(f"error: {error}")
    print(result.summary())
    return 0 if result.ok else 1


def run_diff(args: argparse.Namespace) -> int:
    problem = missing_extra("diff") or _first_unreachable(args.a, args.b)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    import requests

    from .app import create_app
    from .diff import app_sender, compare, diff_json, diff_table, http_sender
    from .fixtures import FixtureError

    senders = []
    for side in ("a", "b"):
        url, token = getattr(args, side), getattr(args, f"{side}_token")
        if url:
            senders.append(http_sender(url, token))
            continue
        try:
            senders.append(app_sender(create_app(seed=args.seed, fixtures=getattr(args, f"{side}_fixtures"))))
        except FixtureError as exc:
            print(f"kratos-mock: {exc}", file=sys.stderr)
            return 2
    try:
        diffs = compare(
            (senders[0], senders[1]), examples=args.examples, seed=args.seed, operation_ids=args.operation_id
        )
    except requests.RequestException as exc:  # the server went away during the run
        print(f"kratos-mock: a server stopped answering: {type(exc).__name__}", file=sys.stderr)
        return 2
    print(diff_table(diffs))
    if args.json:
        Path(args.json).write_text(diff_json(diffs) + "\n", encoding="utf-8")
    differing = [d.operation for d in diffs if d.differs]
    print(f"{len(differing)} of {len(diffs)} operations differ" + (f": {', '.join(differing)}" if differing else ""))
    return 1 if differing else 0
