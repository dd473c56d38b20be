"""The ``kratos-mock`` command. Environment defaults are read when parsing, never at import."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path

from . import __version__, generations

LOG_LEVELS = ("critical", "error", "warning", "info", "debug")


def _env_int(env: Mapping[str, str], name: str) -> int | None:
    value = env.get(name)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError:
        raise SystemExit(f"kratos-mock: {name} must be an integer, got {value!r}") from None


def build_parser(env: Mapping[str, str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kratos-mock", description="A stateful fake of the Ory Kratos admin API.")
    parser.add_argument("--version", action="version", version=f"kratos-mock {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="serve the mock (admin and public API on one port)")
    run.add_argument("--host", default=env.get("KRATOS_MOCK_HOST", "127.0.0.1"))
    run.add_argument("--port", type=int, default=_env_int(env, "KRATOS_MOCK_PORT") or 4434)
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
        help="public base URL used in schema_url and recovery links (default: the base URL)",
    )
    run.add_argument("--log-level", choices=LOG_LEVELS, default=env.get("KRATOS_MOCK_LOG_LEVEL", "info").lower())
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
    fuzz.add_argument("--max-examples", type=int, default=100, help="examples per operation (default 100)")
    fuzz.add_argument(
        "--stateful",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also run linked sequences (create → get → patch → delete ...)",
    )
    fuzz.add_argument("--checks", help="comma-separated schemathesis checks (default: all that apply)")
    fuzz.add_argument("--exclude-checks", default="", help="comma-separated checks to leave out")
    fuzz.add_argument("--seed", type=int, default=None, help="seed for generation (and the in-process mock)")
    fuzz.add_argument("--workers", type=int, default=1)
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
    diff.add_argument("--examples", type=int, default=20, help="requests per operation (default 20)")
    diff.add_argument("--seed", type=int, default=0)
    diff.add_argument("--operation-id", action="append", default=None, help="only these operations (repeatable)")
    diff.add_argument("--json", metavar="FILE", help="also write the differences as JSON")

    fixtures = commands.add_parser("fixtures", help="check or create fixture files")
    actions = fixtures.add_subparsers(dest="action", required=True)
    validate = actions.add_parser("validate", help="load fixture files into a scratch mock and report errors")
    validate.add_argument("paths", nargs="+", metavar="PATH")
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


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    args = build_parser(os.environ if env is None else env).parse_args(argv)
    if args.command == "run":
        return _run(args)
    if args.command == "fuzz":
        return _fuzz(args)
    if args.command == "diff":
        return _diff(args)
    if args.action == "validate":
        return _validate(args.paths)
    return _export(args)


def _run(args: argparse.Namespace) -> int:
    # connexion imports starlette's test client, which warns about httpx at import: not our users' concern.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from .app import Settings, create_app
    from .server import bind, serve, url_for

    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    try:
        sock = bind(args.host, args.port)
    except OSError as exc:
        print(f"kratos-mock: cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return 1
    from .clock import ManualClock, SystemClock
    from .fixtures import FixtureError
    from .kratos_config import ConfigError
    from .spec import bundled

    base_url = args.base_url or url_for(args.host, sock.getsockname()[1])
    settings = Settings(
        base_url=base_url,
        public_url=args.public_url,
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
            config=args.config,
        )
    except (FixtureError, ConfigError) as exc:
        sock.close()
        print(f"kratos-mock: {exc}", file=sys.stderr)
        return 1
    print(f"kratos-mock {__version__} serving the Kratos admin API on {base_url}", file=sys.stderr, flush=True)
    serve(app, sock, log_level=args.log_level)
    return 0


def _fixture_dir(folder: str | None) -> list[Path]:
    """Fixture files mounted into a folder (the container's /fixtures), in name order."""
    if not folder or not Path(folder).is_dir():
        return []
    return sorted(p for p in Path(folder).iterdir() if p.suffix in (".yaml", ".yml", ".json") and p.is_file())


def _validate(paths: Sequence[str]) -> int:
    from .fixtures import validate_files

    errors = validate_files(paths)
    for error in errors:
        print(error, file=sys.stderr)
    print(f"{len(paths) - len(errors)} of {len(paths)} fixture files are valid", file=sys.stderr)
    return 1 if errors else 0


def _export(args: argparse.Namespace) -> int:
    import urllib.error

    import yaml

    from .export import export_fixture

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
    print(f"exported {len(document['identities'])} identities and {len(document['schemas'])} schemas", file=sys.stderr)
    return 0


def _fuzz(args: argparse.Namespace) -> int:
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from .app import Settings, create_app
    from .fixtures import FixtureError
    from .fuzz import PUBLIC_OPERATIONS, build_schema, bundled_baseline, findings_table, merge, run, write_reports

    app = None
    if not args.base_url:
        try:
            app = create_app(seed=args.seed, fixtures=args.fixtures or (), settings=Settings(require_token=args.token))
        except FixtureError as exc:
            print(f"kratos-mock: {exc}", file=sys.stderr)
            return 2
    baseline = args.baseline
    if baseline is None:
        baseline = bundled_baseline() if args.spec is None else None
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


def _diff(args: argparse.Namespace) -> int:
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
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
    diffs = compare((senders[0], senders[1]), examples=args.examples, seed=args.seed, operation_ids=args.operation_id)
    print(diff_table(diffs))
    if args.json:
        Path(args.json).write_text(diff_json(diffs) + "\n", encoding="utf-8")
    differing = [d.operation for d in diffs if d.differs]
    print(f"{len(differing)} of {len(diffs)} operations differ" + (f": {', '.join(differing)}" if differing else ""))
    return 1 if differing else 0
