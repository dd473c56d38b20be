"""``kratos-mock shadow``: serve the shadow proxy (``shadow.py``) until SIGINT/SIGTERM, then write
its reports. Exit 0 when the mock agreed with the upstream on every call, 1 when it did not (or a
call could not be proxied), 2 when the upstream cannot be reached or exported at start."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from . import generations

REPORT_KINDS = ("junit", "json")


def add_parser(commands: Any, env: Mapping[str, str]) -> None:
    """The ``shadow`` subcommand (``commands`` is ``build_parser``'s subparsers)."""
    from .cli import LOG_LEVELS, _env_port, port

    shadow = commands.add_parser(
        "shadow", help="proxy to a real Kratos and report where an in-process mock would have answered differently"
    )
    shadow.add_argument(
        "--upstream",
        default=env.get("KRATOS_MOCK_UPSTREAM") or None,
        required=not env.get("KRATOS_MOCK_UPSTREAM"),
        metavar="URL",
        help="the Kratos admin URL that answers, e.g. http://kratos:4434; env KRATOS_MOCK_UPSTREAM",
    )
    shadow.add_argument(
        "--upstream-public-url", metavar="URL", help="the upstream's public URL, for /schemas (default: --upstream)"
    )
    shadow.add_argument(
        "--base-url",
        metavar="URL",
        help="the admin base URL your Kratos writes in Location headers, for the mock to write too "
        "(default: --upstream)",
    )
    shadow.add_argument(
        "--token",
        default=env.get("KRATOS_MOCK_UPSTREAM_TOKEN") or None,
        help="bearer token for exporting the upstream's state at start (callers send their own)",
    )
    shadow.add_argument("--host", default=env.get("KRATOS_MOCK_HOST", "127.0.0.1"))
    shadow.add_argument("--port", type=port, default=_env_port(env), help="0 picks a free port (default 4434)")
    shadow.add_argument(
        "--api",
        choices=generations.NAMES,
        default=env.get("KRATOS_MOCK_API") or "v26.2",
        help="the mock's API generation, to compare with the upstream's release (default v26.2)",
    )
    shadow.add_argument(
        "--config",
        metavar="KRATOS_YML",
        default=env.get("KRATOS_MOCK_CONFIG") or None,
        help="your Kratos' kratos.yml, for the mock's public API (as run --config); env KRATOS_MOCK_CONFIG",
    )
    shadow.add_argument("--seed", type=int, default=None, help="seed the mock's ids, tokens and codes")
    shadow.add_argument("--report", default="junit,json", help="comma-separated: junit, json (default both)")
    shadow.add_argument("--report-dir", default="reports", help="where reports are written (default ./reports)")
    shadow.add_argument("--log-level", choices=LOG_LEVELS, default=env.get("KRATOS_MOCK_LOG_LEVEL", "info").lower())


def run_shadow(args: argparse.Namespace) -> int:
    import urllib.error

    from .cli_fuzz import unreachable
    from .fixtures import FixtureError
    from .kratos_config import ConfigError
    from .server import bind, serve, url_for

    kinds = [k for k in args.report.split(",") if k]
    unknown = sorted(set(kinds) - set(REPORT_KINDS))
    if unknown:
        print(f"kratos-mock: unknown report kind {', '.join(unknown)} (choose from junit, json)", file=sys.stderr)
        return 2
    problem = unreachable(args.upstream)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    from .shadow import create_shadow

    try:
        app = create_shadow(
            args.upstream,
            public_url=args.upstream_public_url,
            base_url=args.base_url,
            token=args.token,
            api=args.api,
            seed=args.seed,
            config=args.config,
        )
    except ConfigError as exc:
        print(f"kratos-mock: {exc}", file=sys.stderr)
        return 2
    except (urllib.error.URLError, OSError, ValueError, FixtureError) as exc:
        print(f"kratos-mock: cannot export the state of {args.upstream}: {exc}", file=sys.stderr)
        return 2
    try:
        sock = bind(args.host, args.port)
    except OSError as exc:
        print(f"kratos-mock: cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return 1
    url = url_for(args.host, sock.getsockname()[1])
    state = f"{len(app.mock.store)} identities, {len(app.mock.store.sessions())} sessions"
    print(f"kratos-mock shadow of {args.upstream} ({state}) on {url}", file=sys.stderr, flush=True)
    serve(app, sock, log_level=args.log_level, date_header=False)
    report = app.report
    for path in report.write(kinds, Path(args.report_dir)):
        print(f"report: {path}", file=sys.stderr)
    print(report.table())
    for error in report.errors:
        print(f"error: {error}")
    print(report.summary())
    return 0 if report.ok else 1
