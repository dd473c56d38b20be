"""What kratos-mock is compared with in the peers benchmark, and how each is obtained.

* A git ref of this repository (``--ref``): checked out into a temporary ``git worktree`` (detached,
  removed afterwards) and run as ``python -m mockserver run`` with that worktree first on PYTHONPATH
  and as the working directory.
* This checkout as users install it (startup): its wheel, built and installed with ``--no-deps`` into a
  temporary folder first on PYTHONPATH (the dependencies are this venv's), run as ``python -m mockserver``.
* The bare ASGI app (``variants.py bare``): the Python ceiling on the mock's uvicorn settings.
* WireMock: the standalone jar shipped in the npm package ``wiremock`` (pinned below), installed on
  demand into ``bench/.cache/wiremock`` (git-ignored); Java from Debian's ``default-jre-headless`` when
  ``java`` is missing (needs root and apt-get). If either cannot be had, WireMock is skipped with the
  reason, and the other servers are still measured.

All of them serve the same bytes for ``GET /admin/identities/{id}``: the current checkout's answer,
captured from a throw-away server before the measured ones start.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from harness import BENCH, HOST, NO_CACHE, ROOT, python_env

WIREMOCK_VERSION = "3.13.2"  # the engineering notes' peer figures were taken with this release
WIREMOCK_CACHE = BENCH / ".cache" / "wiremock"
JAR_GLOB = "node_modules/wiremock/build/wiremock-standalone-*.jar"
JAVA_PACKAGE = "default-jre-headless"


class UnavailableError(Exception):
    """A peer that cannot be installed or run here; the message says why (and is recorded)."""


# --- git refs ----------------------------------------------------------------------------------


def _git(*args: str) -> str:
    result = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, timeout=120, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout.strip()


def describe_tree() -> dict[str, Any]:
    """The current checkout: its commit and whether files outside bench/ have uncommitted changes (the
    server measured is the working tree, changes included)."""
    changed = _git("status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)bench")
    return {
        "commit": _git("rev-parse", "HEAD"),
        "subject": _git("log", "-1", "--format=%s"),
        "uncommitted_changes": bool(changed),
    }


def resolve_ref(ref: str) -> dict[str, str]:
    """The full commit id and subject of ``ref`` (a hash, a branch, a tag, ``HEAD~3`` ...)."""
    commit = _git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    return {"given": ref, "commit": commit, "subject": _git("log", "-1", "--format=%s", commit)}


@contextlib.contextmanager
def ref_checkout(ref: str) -> Iterator[tuple[Path, dict[str, str]]]:
    """``ref`` checked out into a temporary detached worktree; removed (with its git bookkeeping) on exit."""
    info = resolve_ref(ref)
    parent = Path(tempfile.mkdtemp(prefix="kratos-mock-bench-ref-"))
    tree = parent / info["commit"][:12]
    _git("worktree", "add", "--detach", "--quiet", str(tree), info["commit"])
    try:
        yield tree, info
    finally:
        with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
            _git("worktree", "remove", "--force", str(tree))
        shutil.rmtree(parent, ignore_errors=True)


def mockserver_origin(tree: Path) -> str:
    """Where ``python -m mockserver`` started with ``python_env(tree)`` in ``tree`` imports the package
    from; raises unless it is that tree (an editable install of another checkout would win otherwise)."""
    result = subprocess.run(
        [sys.executable, "-c", "import mockserver; print(mockserver.__file__)"],
        capture_output=True,
        text=True,
        cwd=tree,
        env=python_env(tree),
        timeout=120,
        check=True,
    )
    origin = result.stdout.strip()
    if not Path(origin).resolve().is_relative_to(tree.resolve()):
        raise RuntimeError(f"mockserver would be imported from {origin}, not from {tree}")
    return origin


# --- WireMock ----------------------------------------------------------------------------------


def _find_jar() -> Path | None:
    jars = sorted(WIREMOCK_CACHE.glob(JAR_GLOB))
    return jars[-1] if jars else None


def wiremock_jar() -> Path:
    """The standalone jar, ``npm install``-ed into the cache the first time; ``UnavailableError`` if it cannot be."""
    jar = _find_jar()
    if jar is not None:
        return jar
    if shutil.which("npm") is None:
        raise UnavailableError(
            "WireMock skipped: npm not found (Debian: apt-get install npm), needed for the wiremock jar"
        )
    WIREMOCK_CACHE.mkdir(parents=True, exist_ok=True)
    print(f"installing wiremock@{WIREMOCK_VERSION} (npm) into {WIREMOCK_CACHE} ...", file=sys.stderr, flush=True)
    argv = ["npm", "install", "--no-audit", "--no-fund", "--no-save", "--prefix", str(WIREMOCK_CACHE)]
    try:
        result = subprocess.run(
            [*argv, f"wiremock@{WIREMOCK_VERSION}"], capture_output=True, text=True, timeout=600, check=False
        )
    except subprocess.TimeoutExpired:
        raise UnavailableError("WireMock skipped: npm install wiremock did not finish in 10 minutes") from None
    jar = _find_jar()
    if result.returncode != 0 or jar is None:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-5:])
        raise UnavailableError(f"WireMock skipped: npm install wiremock@{WIREMOCK_VERSION} failed:\n{tail}")
    return jar


def _apt_install() -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    argv = ["apt-get", "install", "-y", "-q", JAVA_PACKAGE]
    return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=900, check=False)


def java() -> str:
    """The ``java`` executable, installing ``default-jre-headless`` with apt-get (as root) if it is missing."""
    found = shutil.which("java")
    if found is not None:
        return found
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        raise UnavailableError(
            f"WireMock skipped: java not found; install a JRE (Debian: apt-get install {JAVA_PACKAGE})"
        )
    print(f"java not found: apt-get install -y {JAVA_PACKAGE} ...", file=sys.stderr, flush=True)
    try:
        result = _apt_install()
        if result.returncode != 0:  # perhaps stale package lists
            subprocess.run(["apt-get", "update", "-q"], capture_output=True, timeout=600, check=False)
            result = _apt_install()
    except subprocess.TimeoutExpired:
        raise UnavailableError(f"WireMock skipped: apt-get install {JAVA_PACKAGE} timed out") from None
    found = shutil.which("java") or ("/usr/bin/java" if Path("/usr/bin/java").exists() else None)
    if result.returncode != 0 or found is None:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-5:])
        raise UnavailableError(f"WireMock skipped: apt-get install {JAVA_PACKAGE} failed:\n{tail}")
    return found


def java_version(executable: str) -> str:
    result = subprocess.run([executable, "-version"], capture_output=True, text=True, timeout=60, check=False)
    lines = (result.stderr or result.stdout).strip().splitlines()
    return lines[0] if lines else "unknown"


def wiremock_mappings(body: bytes, identity_id: str, content_type: str) -> dict[str, Any]:
    """Three static stubs: the measured ``GET /admin/identities/{id}`` (an exact URL) with the mock's body
    and headers, plus what the harness needs (``POST /admin/identities`` -> 201 and that id;
    ``GET /health/ready`` -> 200). An explicit Content-Length keeps WireMock from chunking the answer,
    as uvicorn does not."""
    text = body.decode()
    headers = {"Content-Type": content_type, **NO_CACHE, "Content-Length": str(len(body))}
    ready = '{"status":"ok"}'
    return {
        "mappings": [
            {
                "request": {"method": "GET", "url": f"/admin/identities/{identity_id}"},
                "response": {"status": 200, "body": text, "headers": headers},
            },
            {
                "request": {"method": "POST", "url": "/admin/identities"},
                "response": {"status": 201, "body": text, "headers": headers},
            },
            {
                "request": {"method": "GET", "url": "/health/ready"},
                "response": {
                    "status": 200,
                    "body": ready,
                    "headers": {"Content-Type": content_type, "Content-Length": str(len(ready))},
                },
            },
        ]
    }


def wiremock_root(directory: Path, body: bytes, identity_id: str, content_type: str) -> Path:
    """A ``--root-dir`` holding the stubs (``mappings/kratos.json``)."""
    (directory / "mappings").mkdir(parents=True, exist_ok=True)
    (directory / "__files").mkdir(exist_ok=True)
    mappings = wiremock_mappings(body, identity_id, content_type)
    (directory / "mappings" / "kratos.json").write_text(json.dumps(mappings))
    return directory


def wiremock_argv(java_bin: str, jar: Path, port: int, root: Path) -> list[str]:
    """The standalone server: one static stub set, no request journal, no request logging."""
    return [
        java_bin,
        "-jar",
        str(jar),
        "--port",
        str(port),
        "--bind-address",
        HOST,
        "--root-dir",
        str(root),
        "--no-request-journal",
        "--disable-request-logging",
    ]


@contextlib.contextmanager
def installed_wheel() -> Iterator[Path]:
    """This checkout's wheel installed into a temporary folder: the folder (put it first on PYTHONPATH).

    What ``pip install kratos-mock`` and the container run: byte-compiled at install, with what
    only the wheel build adds (``hatch_build.py``'s JSON specs)."""
    parent = Path(tempfile.mkdtemp(prefix="kratos-mock-wheel-"))
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]

    def pip_run(*args: str) -> None:
        done = subprocess.run([*pip, *args], capture_output=True, text=True, timeout=600, check=False)
        if done.returncode != 0:
            raise UnavailableError(f"pip {args[0]} failed: {done.stderr.strip()[-300:]}")

    try:
        pip_run("wheel", "--no-deps", "--wheel-dir", str(parent / "dist"), str(ROOT))
        [wheel] = (parent / "dist").glob("*.whl")
        pip_run("install", "--no-deps", "--target", str(parent / "site"), str(wheel))
        yield parent / "site"
    finally:
        shutil.rmtree(parent, ignore_errors=True)
