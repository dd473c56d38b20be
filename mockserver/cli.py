"""The ``kratos-mock`` command. Environment defaults are read when parsing, never at import."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import warnings
from collections.abc import Mapping, Sequence

from . import __version__

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
    return parser


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    args = build_parser(os.environ if env is None else env).parse_args(argv)
    if args.command == "run":
        return _run(args)
    return 2  # pragma: no cover - argparse rejects unknown commands


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
    base_url = args.base_url or url_for(args.host, sock.getsockname()[1])
    settings = Settings(base_url=base_url, public_url=args.public_url, require_token=args.require_token)
    app = create_app(seed=args.seed, settings=settings)
    print(f"kratos-mock {__version__} serving the Kratos admin API on {base_url}", file=sys.stderr, flush=True)
    serve(app, sock, log_level=args.log_level)
    return 0
