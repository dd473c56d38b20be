"""The README's examples, run as written: the curl walk-through under ``bash -eu``, the pytest
example as a new project (every file it names, against the built wheel) and "From Python"."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def section(title: str) -> str:
    """The text under ``## title`` up to the next ``## `` heading."""
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else len(README)]


def blocks(title: str, language: str | None = None) -> list[str]:
    return [body for lang, body in FENCE.findall(section(title)) if language is None or lang == language]


def named_files(title: str) -> dict[str, str]:
    """Blocks whose first line is a comment naming a file (``# tests/users.yaml``)."""
    out = {}
    for body in blocks(title):
        first = body.partition("\n")[0]
        match = re.fullmatch(r"# ([\w./-]+\.(?:ya?ml|ini|py|toml|json))", first.strip())
        if match:
            out[match.group(1)] = body
    return out


def _env(**extra: str) -> dict[str, str]:
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    return {**os.environ, "PATH": path, "PYTHONDONTWRITEBYTECODE": "1", **extra}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_walk_through(script: str, cwd: Path, env: dict[str, str], timeout: float = 60) -> tuple[str, str]:
    """A README ``bash`` block run under ``bash -eu`` in its own process group, which is killed
    afterwards (the servers it starts in the background, whatever happened): (stdout, stderr).
    Skipped without curl and jq; fails unless the script exits 0."""
    if shutil.which("curl") is None or shutil.which("jq") is None:
        pytest.skip("the walk-through needs curl and jq on PATH")
    (cwd / "walk.sh").write_text(script)
    proc = subprocess.Popen(
        ["bash", "-eu", "walk.sh"],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
    assert proc.returncode == 0, err
    return out, err


def test_the_walk_through_runs_under_bash_eu(tmp_path: Path) -> None:
    [script] = blocks("Try it", "bash")
    port = _free_port()
    out, err = run_walk_through(script, tmp_path, _env(KRATOS_MOCK_PORT=str(port), PYTHONPATH=str(ROOT)))
    assert '"state":"inactive"' in out
    assert re.search(r'"recovery_code":"\d{6}"', out)
    assert out.rstrip().endswith(
        '{"error":{"code":404,"status":"Not Found","message":"Unable to locate the resource"}}'
    )
    assert f"serving the Kratos admin API on http://127.0.0.1:{port}" in err


@pytest.fixture(scope="module")
def installed_wheel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The package as the README installs it from a wheel (``pip wheel``, then the wheel's files
    in a folder of their own; dependencies come from this environment)."""
    work = tmp_path_factory.mktemp("wheel")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(work / "dist"), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if built.returncode != 0:
        pytest.skip(f"cannot build the wheel here (pip needs hatchling from the package index): {built.stderr[-300:]}")
    [wheel] = (work / "dist").glob("kratos_mock-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "mockserver/py.typed" in names
    assert {"mockserver/spec/kratos-v26.2.yaml", "mockserver/_fixtures/default.yaml"} <= set(names)
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "kratos_mock = mockserver.pytest_plugin" in text and "kratos-mock = mockserver.__main__:main" in text
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target", str(work / "site"), str(wheel)],
        check=True,
        timeout=120,
    )
    yield work / "site"


def test_the_installed_wheel_reads_its_specs_from_json_copies_equal_to_the_yaml(installed_wheel: Path) -> None:
    """hatch_build.py puts each spec in the wheel as JSON too (read 30x faster: #15, cold start);
    the installed package reads those, and they say what the checkout's YAML says."""
    names = sorted(p.name for p in (ROOT / "spec").glob("*.yaml"))
    code = (
        "import json, sys; from mockserver import spec; "
        "print(json.dumps({n: [spec._json_twin(n) is not None, spec.load_spec(n)] for n in sys.argv[1:]}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, *names],
        cwd=installed_wheel.parent,
        env=_env(PYTHONPATH=str(installed_wheel)),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    loaded = json.loads(done.stdout)
    for name in names:
        from_json, document = loaded[name]
        assert from_json, name
        assert document == yaml.safe_load((ROOT / "spec" / name).read_text(encoding="utf-8")), name


def test_the_pytest_example_passes_as_a_new_project(tmp_path: Path, installed_wheel: Path) -> None:
    files = named_files("Use it from pytest")
    assert set(files) == {"pytest.ini", "tests/users.yaml", "tests/more-users.yaml", "tests/test_accounts.py"}
    for name, body in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(body)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly"],
        cwd=tmp_path,
        env=_env(PYTHONPATH=str(installed_wheel)),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout and "warning" not in done.stdout.lower(), done.stdout
    assert "plugins: kratos-mock-" in done.stdout
    where = subprocess.run(
        [sys.executable, "-c", "import mockserver; print(mockserver.__file__)"],
        cwd=tmp_path,
        env=_env(PYTHONPATH=str(installed_wheel)),
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.startswith(str(installed_wheel))  # the example ran against the wheel, not this checkout


def test_from_python_runs_as_written_without_warnings(tmp_path: Path) -> None:
    [code] = blocks("From Python", "python")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "users.yaml").write_text(named_files("Use it from pytest")["tests/users.yaml"])
    done = subprocess.run(
        [sys.executable, "-W", "default", "-c", code],
        cwd=tmp_path,
        env=_env(PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no StarletteDeprecationWarning (or any other) on import


def test_the_faults_walk_through_runs_under_bash_eu(tmp_path: Path) -> None:
    [script] = blocks("Faults", "bash")
    out, _ = run_walk_through(script, tmp_path, _env(KRATOS_MOCK_PORT=str(_free_port()), PYTHONPATH=str(ROOT)))
    envelope = '{"error":{"code":503,"status":"Service Unavailable","message":"Service Unavailable"}}'
    assert out.splitlines() == [
        envelope,
        envelope,
        "[]",
        "curl: exit 56",
        "ada@example.com",
        '{"operation_id":"listIdentities","fired":2,"remaining":0}',
        '{"operation_id":"createIdentity","fired":1,"remaining":0}',
        "[]",
    ]


def test_the_faults_and_verification_examples_pass(tmp_path: Path) -> None:
    files = named_files("Faults") | named_files("Verifying requests")
    assert set(files) == {"tests/test_retries.py", "tests/test_verify.py"}
    for name, body in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(body)
    (tmp_path / "pytest.ini").write_text("[pytest]\nkratos_mock_seed = 42\n")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-s", "-q", "-p", "no:cacheprovider", "-p", "no:randomly"],
        cwd=tmp_path,
        env=_env(PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "4 passed" in done.stdout, done.stdout
    [message] = blocks("Verifying requests", "text")
    assert message in done.stdout  # the near-miss message, as the README shows it
