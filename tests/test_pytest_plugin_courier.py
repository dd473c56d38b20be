"""``kratos_mock.courier`` in a downstream project: a test reads the code a flow mailed, and the next
test starts with an empty courier (the messages are undone with everything else)."""

from __future__ import annotations

import pytest

KRATOS_YML = """
selfservice:
  flows:
    recovery:
      enabled: true
"""

TESTS = """
import httpx
import pytest

def test_forgot_password(kratos_mock):
    admin = httpx.post(kratos_mock.url + "/admin/identities",
                       json={"schema_id": "default", "traits": {"email": "ada@example.com"}})
    assert admin.status_code == 201
    flow = httpx.get(kratos_mock.url + "/self-service/recovery/api").json()
    sent = httpx.post(kratos_mock.url + "/self-service/recovery", params={"flow": flow["id"]},
                      json={"method": "code", "email": "ada@example.com"})
    assert sent.json()["state"] == "sent_email"
    message = kratos_mock.courier.last(to="ada@example.com")
    assert message.template_type == "recovery_code_valid" and len(message.code) == 6
    wrong = httpx.post(kratos_mock.url + "/self-service/recovery", params={"flow": flow["id"]},
                       json={"method": "code", "code": "x"})
    assert wrong.json()["ui"]["messages"][0]["id"] == 4060006

def test_next_test_sees_no_messages(kratos_mock):
    assert kratos_mock.courier.messages() == []
    with pytest.raises(LookupError):
        kratos_mock.courier.last()
"""


def test_courier_handle_reads_codes_and_is_reset_per_test(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yml", kratos=KRATOS_YML)
    pytester.makeini("[pytest]\nkratos_mock_config = kratos.yml\n")
    pytester.makepyfile(test_downstream=TESTS)
    result = pytester.runpytest_subprocess("-p", "no:randomly", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_readme_example_runs_as_written(pytester: pytest.Pytester) -> None:
    """README "Recovery, verification, settings, code login and the courier": its files, as written."""
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    start = readme.index("\n## Recovery, verification, settings, code login and the courier\n")
    section = readme[start : readme.index("\n## ", start + 1)]
    files = {
        body.partition("\n")[0].lstrip("#; ").strip(): body
        for _, body in re.findall(r"^```(\w*)\n(.*?)^```$", section, re.MULTILINE | re.DOTALL)
    }
    assert set(files) == {"pytest.ini", "kratos.yml", "tests/test_forgot_password.py"}
    for name, body in files.items():
        path = pytester.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body, encoding="utf-8")
    result = pytester.runpytest_subprocess("-p", "no:randomly", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
