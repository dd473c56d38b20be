"""mockserver.connexion_import: connexion imported without the modules it only needs for features
the mock never uses, which still work when asked for (a third of a cold start, #15)."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "mockserver"


def run_fresh(code: str) -> subprocess.CompletedProcess[str]:
    """``code`` in a new interpreter that turns every warning into an error."""
    return subprocess.run(
        [sys.executable, "-W", "error", "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


DEFERRED = ("requests", "jinja2", "httpx", "starlette.templating", "starlette.testclient")
REPORT = f"print(sorted(m for m in {DEFERRED!r} if m in sys.modules))"


def test_a_library_import_defers_nothing_and_warns_nothing() -> None:
    """In-process users (the pytest plugin) may run threads of their own, or Flask: connexion comes
    in whole, and a test suite importing starlette's TestClient after the mock sees no warning."""
    done = run_fresh(
        f"""
        import sys
        import mockserver.app
        mockserver.app.create_app()
        {REPORT}
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(sorted(DEFERRED))
    assert done.stderr == ""  # nor starlette's httpx deprecation warning


def test_with_flask_installed_the_server_leaves_jinja2_to_it() -> None:
    """connexion imports connexion.apps.flask when Flask is there, and Flask imports jinja2: with a
    placeholder for jinja2, connexion would take Flask for missing (``connexion.FlaskApp`` a stub).
    Flask is not installed here: ``find_spec`` says it is."""
    done = run_fresh(
        """
        import importlib.util, sys
        real = importlib.util.find_spec
        importlib.util.find_spec = lambda name, *a: object() if name == "flask" else real(name, *a)
        from mockserver.connexion_import import SERVER, import_connexion
        import_connexion(SERVER)
        print(sorted(m for m in ("jinja2", "starlette.templating", "requests", "httpx") if m in sys.modules))
        """
    )
    assert done.stdout.strip() == "['jinja2', 'starlette.templating']", done.stdout + done.stderr


def test_kratos_mock_run_starts_without_any_of_them() -> None:
    done = run_fresh(
        f"""
        import sys
        import uvicorn  # served for no time: the server process's own imports are the point
        uvicorn.Server.run = lambda self, sockets=None: [sock.close() for sock in sockets]
        from mockserver.__main__ import main
        sys.argv = ["kratos-mock", "run", "--port", "0"]
        assert main() == 0
        {REPORT}
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_deferred_features_of_connexion_still_get_the_real_modules() -> None:
    done = run_fresh(
        """
        import sys
        from mockserver.connexion_import import SERVER, import_connexion
        import_connexion(SERVER)
        import mockserver.app
        import connexion.json_schema, connexion.security, connexion.spec, connexion.middleware.swagger_ui
        from connexion import AsyncApp
        client = AsyncApp(__name__).test_client()      # AbstractApp.test_client
        templates = connexion.middleware.swagger_ui.Jinja2Templates(directory="/")   # Swagger UI
        import requests, httpx, jinja2, starlette.testclient, starlette.templating
        assert isinstance(client, starlette.testclient.TestClient), type(client)
        assert isinstance(templates, starlette.templating.Jinja2Templates), type(templates)
        assert connexion.spec.jinja2.Template is jinja2.Template   # templated spec files
        assert connexion.json_schema.requests.get is requests.get   # URLHandler, remote $refs
        assert connexion.security.httpx.AsyncClient is httpx.AsyncClient  # token introspection
        assert type(sys.modules["requests"]).__name__ == "module"
        print("ok")
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_modules_imported_before_connexion_are_used_as_they_are() -> None:
    done = run_fresh(
        """
        import requests, httpx
        import mockserver.app
        import connexion.json_schema, connexion.security
        assert connexion.json_schema.requests is requests
        assert connexion.security.httpx is httpx
        print("ok")
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def _imports(path: Path) -> list[str]:
    """Top-level imported module names of a source file, in order (relative ones with their dots)."""
    names = []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            names += [f"{base}.{alias.name}" if not node.module else base for alias in node.names]
    return names


def _bypasses(path: Path) -> bool:
    names = _imports(path)
    first = next((i for i, name in enumerate(names) if name.split(".")[0] == "connexion"), None)
    if first is None or path.name == "_connexion.py":
        return False
    through = any(name.lstrip(".").endswith("_connexion") for name in names[:first])
    package_init = path.parent / "__init__.py"
    inherited = path.parent != PACKAGE and any(n.endswith("_connexion") for n in _imports(package_init))
    return not (through or inherited)


def test_every_module_that_imports_connexion_imports_mockserver_connexion_first() -> None:
    """Whichever of our modules is imported first, connexion comes in through ``_connexion``."""
    offenders = [str(p.relative_to(PACKAGE.parent)) for p in sorted(PACKAGE.rglob("*.py")) if _bypasses(p)]
    assert offenders == []
