"""The ``kratos-mock`` command. Environment defaults are read when parsing, never at import."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from . import __version__, generations

LOG_LEVELS = ("critical", "error", "warning", "info", "debug")


LOG_FORMATS = ("text", "json")


def _env_int(env: Mapping[str, str], name: str) -> int | None:
    value = env.get(name)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError:
        raise SystemExit(f"kratos-mock: {name} must be an integer, got {value!r}") from None


def port(text: str) -> int:
    """A TCP port, 0 (any free one) to 65535."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is between 0 and 65535, got {value}")
    return value


def positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _env_port(env: Mapping[str, str]) -> int:
    value = _env_int(env, "KRATOS_MOCK_PORT")
    if value is None:
        return 4434
    if not 0 <= value <= 65535:
        raise SystemExit(f"kratos-mock: KRATOS_MOCK_PORT must be between 0 and 65535, got {value}")
    return value


def _env_public_port(env: Mapping[str, str]) -> int | None:
    value = _env_int(env, "KRATOS_MOCK_PUBLIC_PORT")
    if value is not None and not 0 <= value <= 65535:
        raise SystemExit(f"kratos-mock: KRATOS_MOCK_PUBLIC_PORT must be between 0 and 65535, got {value}")
    return value


def build_parser(env: Mapping[str, str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kratos-mock", description="A stateful fake of the Ory Kratos admin API.")
    parser.add_argument("--version", action="version", version=f"kratos-mock {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="serve the mock (admin and public API on one port)")
    run.add_argument("--host", default=env.get("KRATOS_MOCK_HOST", "127.0.0.1"))
    run.add_argument("--port", type=port, default=_env_port(env), help="0 picks a free port (default 4434)")
    run.add_argument(
        "--public-port",
        type=port,
        default=_env_public_port(env),
        help="also serve the public API here, as Kratos' public port does (4433 in Kratos); "
        "env KRATOS_MOCK_PUBLIC_PORT",
    )
    run.add_argument(
        "--seed",
        type=int,
        default=_env_int(env, "KRATOS_MOCK_SEED"),
        help="seed IDs, tokens and codes; also freezes the clock for byte-identical runs",
    )
    run.add_argument(
        "--require-token",
        default=env.get("KRATOS_MOCK_REQUIRE_TOKEN") or None,
        help="answer 401 on admin operations unless 'Authorization: Bearer TOKEN' is sent",
    )
    run.add_argument(
        "--base-url",
        default=env.get("KRATOS_MOCK_BASE_URL") or None,
        help="admin base URL used in Location headers (default: from host and port)",
    )
    run.add_argument(
        "--public-url",
        default=env.get("KRATOS_MOCK_PUBLIC_URL") or None,
        help="public base URL used in schema_url, flows, cookies and recovery links "
        "(default: the --public-port URL, else the base URL)",
    )
    run.add_argument("--log-level", choices=LOG_LEVELS, default=env.get("KRATOS_MOCK_LOG_LEVEL", "info").lower())
    run.add_argument(
        "--log-format",
        choices=LOG_FORMATS,
        default=(env.get("KRATOS_MOCK_LOG_FORMAT") or "text").lower(),
        help="json: one JSON object per log line (access log on stdout, the rest on stderr); "
        "env KRATOS_MOCK_LOG_FORMAT",
    )
    env_fixtures = [p for p in env.get("KRATOS_MOCK_FIXTURES", "").split(os.pathsep) if p]
    run.add_argument(
        "--fixtures",
        action="append",
        metavar="PATH",
        default=None,
        help="fixture file to load at start (repeatable; default: the bundled default.yaml; "
        f"env KRATOS_MOCK_FIXTURES, {os.pathsep}-separated)",
    )
    run.set_defaults(env_fixtures=env_fixtures)
    run.add_argument(
        "--fixtures-dir",
        metavar="DIR",
        default=env.get("KRATOS_MOCK_FIXTURES_DIR") or None,
        help="also load every *.yaml, *.yml and *.json in DIR (sorted by name), if DIR exists",
    )
    run.add_argument(
        "--api",
        choices=generations.NAMES,
        default=env.get("KRATOS_MOCK_API") or "v26.2",
        help="API generation: v26.2 (current, /admin/...), v1.1 or v1.0 (Kratos v1.1.0 / v1.0.0), "
        "or v0.6 (the legacy AdminApi); env KRATOS_MOCK_API",
    )
    run.add_argument(
        "--clock",
        choices=("real", "frozen"),
        default=env.get("KRATOS_MOCK_CLOCK") or None,
        help="frozen starts at 2026-01-01T00:00:00Z and moves only via /__mock__/clock "
        "(default: frozen with --seed, else real)",
    )
    run.add_argument(
        "--control-token",
        default=env.get("KRATOS_MOCK_CONTROL_TOKEN") or None,
        help="require 'Authorization: Bearer TOKEN' on /__mock__/*",
    )
    run.add_argument(
        "--config",
        metavar="KRATOS_YML",
        default=env.get("KRATOS_MOCK_CONFIG") or None,
        help="your kratos.yml: the keys that shape the public API (unsupported keys are named); env KRATOS_MOCK_CONFIG",
    )
    run.add_argument(
        "--dev",
        action="store_true",
        help="as kratos serve --dev: cookies without Secure, courier subjects and bodies unredacted",
    )
    run.add_argument(
        "--workers",
        type=positive,
        default=1,
        help="only 1: the store lives in the server process (ARCHITECTURE.md, 'One process, one store')",
    )

    fuzz = commands.add_parser("fuzz", help="fuzz the mock (in-process) or any Kratos (by URL) against a spec")
    target = fuzz.add_mutually_exclusive_group()
    target.add_argument("--in-process", action="store_true", help="fuzz a fresh mock without a socket (default)")
    target.add_argument("--base-url", help="fuzz a running server, e.g. a real Kratos admin port")
    fuzz.add_argument("--public-url", help="with --base-url: the public port, for the /schemas operations")
    fuzz.add_argument(
        "--spec",
        help="OpenAPI file to fuzz with (default: our bundled spec; an upstream Kratos "
        "spec is narrowed to its identity operations)",
    )
    fuzz.add_argument(
        "--token",
        default=env.get("KRATOS_MOCK_FUZZ_TOKEN") or None,
        help="bearer token to send (in-process: the mock requires it, and ignored_auth is checked)",
    )
    fuzz.add_argument(
        "--frontend",
        action="store_true",
        help="fuzz the public (frontend) operations instead, with their baseline (--base-url: the public port)",
    )
    fuzz.add_argument("--max-examples", type=positive, default=100, help="examples per operation (default 100)")
    fuzz.add_argument(
        "--stateful",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also run linked sequences (create → get → patch → delete ...)",
    )
    fuzz.add_argument("--checks", help="comma-separated schemathesis checks (default: all that apply)")
    fuzz.add_argument("--exclude-checks", default="", help="comma-separated checks to leave out")
    fuzz.add_argument("--seed", type=int, default=None, help="seed for generation (and the in-process mock)")
    fuzz.add_argument("--workers", type=positive, default=1)
    fuzz.add_argument(
        "--baseline",
        default=None,
        help="accepted findings file (default: the bundled one for our spec; 'none' for none)",
    )
    fuzz.add_argument("--fixtures", action="append", metavar="PATH", help="in-process: fixture files to load first")
    fuzz.add_argument("--report", default="", help="comma-separated report kinds: junit, html, ndjson")
    fuzz.add_argument("--report-dir", default="reports", help="where reports are written (default ./reports)")

    diff = commands.add_parser("diff", help="send the same generated requests to two servers and compare")
    for side in ("a", "b"):
        diff.add_argument(f"--{side}", metavar="URL", help=f"server {side.upper()} (default: an in-process mock)")
        diff.add_argument(
            f"--{side}-fixtures",
            action="append",
            metavar="PATH",
            default=[],
            help=f"fixtures for an in-process server {side.upper()}",
        )
        diff.add_argument(f"--{side}-token", default=None, help=f"bearer token for server {side.upper()}")
    diff.add_argument("--examples", type=positive, default=20, help="requests per operation (default 20)")
    diff.add_argument("--seed", type=int, default=0)
    diff.add_argument("--operation-id", action="append", default=None, help="only these operations (repeatable)")
    diff.add_argument("--json", metavar="FILE", help="also write the differences as JSON")

    from .cli_shadow import add_parser as add_shadow

    add_shadow(commands, env)

    fixtures = commands.add_parser("fixtures", help="check or create fixture files")
    actions = fixtures.add_subparsers(dest="action", required=True)
    validate = actions.add_parser(
        "validate",
        help="load fixture files, in order, into one scratch mock (as run --fixtures would) and report errors",
    )
    validate.add_argument("paths", nargs="+", metavar="PATH")
    validate.add_argument(
        "--api",
        choices=generations.NAMES,
        default=env.get("KRATOS_MOCK_API") or "v26.2",
        help="the API generation whose rules apply (default v26.2)",
    )
    export = actions.add_parser("export", help="snapshot a running Kratos (or mock) into a fixture file")
    export.add_argument("--base-url", required=True, help="admin base URL, e.g. http://127.0.0.1:4434")
    export.add_argument("--public-url", default=None, help="public base URL for /schemas (default: base URL)")
    export.add_argument("--token", default=env.get("KRATOS_MOCK_EXPORT_TOKEN") or None, help="bearer token to send")
    export.add_argument(
        "-o",
        "--output",
        default="-",
        help="file to write: JSON if it ends in .json (fast to load), else YAML; default stdout",
    )
    return parser


def main(
    argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None, *, collector_paused: bool = False
) -> int:
    """The command. ``collector_paused``: ``__main__.main`` turned the garbage collector off for the
    start; it is turned back on here (after freezing what ``run`` built), and only then."""
    args = build_parser(os.environ if env is None else env).parse_args(argv)
    if args.command == "run":
        return _run(args, collector_paused)
    if collector_paused:
        gc.enable()  # only ``run`` builds a heap worth freezing
    if args.command in ("fuzz", "diff"):
        from .cli_fuzz import run_diff, run_fuzz

        return run_fuzz(args) if args.command == "fuzz" else run_diff(args)
    if args.command == "shadow":
        from .cli_shadow import run_shadow

        return run_shadow(args)
    from .cli_fixtures import run_export, run_validate

    return run_validate(args.paths, args.api) if args.action == "validate" else run_export(args)


WORKERS_REFUSED = (
    "kratos-mock: --workers {n} would give each worker its own store: an identity created through one "
    "worker would be a 404 on the next. The mock serves from one process (several thousand requests/s); "
    "for more, run one mock per test worker on its own port."
)


def _run(args: argparse.Namespace, collector_paused: bool = False) -> int:
    if args.workers != 1:
        print(WORKERS_REFUSED.format(n=args.workers), file=sys.stderr)
        return 2
    from .connexion_import import SERVER, import_connexion

    import_connexion(SERVER)  # before anything imports it: the server needs neither httpx nor a test client
    from .app import Settings, create_app
    from .server import bind, serve, url_for

    if args.log_format == "json":
        from .logs import configure_json

        configure_json(args.log_level)
    else:
        logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    try:
        sock = bind(args.host, args.port)
    except OSError as exc:
        print(f"kratos-mock: cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return 1
    public_sock = None
    if args.public_port is not None:
        try:
            public_sock = bind(args.host, args.public_port)
        except OSError as exc:
            sock.close()
            print(f"kratos-mock: cannot listen on {args.host}:{args.public_port}: {exc.strerror}", file=sys.stderr)
            return 1
    from .clock import ManualClock, SystemClock
    from .fixtures import FixtureError
    from .kratos_config import ConfigError, with_dev
    from .spec import bundled

    base_url = args.base_url or url_for(args.host, sock.getsockname()[1])
    public_url = args.public_url
    if public_url is None and public_sock is not None:
        public_url = url_for(args.host, public_sock.getsockname()[1])
    settings = Settings(
        base_url=base_url,
        public_url=public_url,
        require_token=args.require_token,
        control_token=args.control_token,
    )
    frozen = args.clock == "frozen" or (args.clock is None and args.seed is not None)
    fixtures = [
        *(args.fixtures or args.env_fixtures or [bundled("fixtures", generations.get(args.api).default_fixtures)]),
        *_fixture_dir(args.fixtures_dir),
    ]
    try:
        app = create_app(
            seed=args.seed,
            settings=settings,
            fixtures=fixtures,
            clock=ManualClock() if frozen else SystemClock(),
            api=args.api,
            config=with_dev(args.config) if args.dev else args.config,
        )
    except (FixtureError, ConfigError) as exc:
        sock.close()
        if public_sock is not None:
            public_sock.close()
        print(f"kratos-mock: {exc}", file=sys.stderr)
        return 1
    if collector_paused:  # keep what start-up made out of later collections
        gc.freeze()
        gc.enable()
    started = f"kratos-mock {__version__} serving the Kratos admin API on {base_url}"
    extra: dict[str, str] = {}
    if public_sock is not None:
        started += f" and the public API on {public_url}"
        extra["public_url"] = public_url
    if args.log_format == "json":
        from .logs import json_line

        print(json_line(started, url=base_url, version=__version__, **extra), file=sys.stderr, flush=True)
    else:
        print(started, file=sys.stderr, flush=True)
    serve(app, sock, log_level=args.log_level, log_format=args.log_format, public_sock=public_sock)
    return 0


def _fixture_dir(folder: str | None) -> list[Path]:
    """Fixture files mounted into a folder (the container's /fixtures), in name order."""
    if not folder or not Path(folder).is_dir():
        return []
    return sorted(p for p in Path(folder).iterdir() if p.suffix in (".yaml", ".yml", ".json") and p.is_file())
