"""The HTTP API against a plain model: a hypothesis state machine driving the app in-process.

One app serves every example; ``setup`` (the machine's ``__init__``) resets it to its sealed,
empty state, so every sequence (and every shrink) starts from the same data.
"""

from __future__ import annotations

import re

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, rule
from starlette.testclient import TestClient

from mockserver import create_app

APP = create_app(seed=3)
CLIENT = TestClient(APP, base_url="http://127.0.0.1:4434")
EMAILS = st.sampled_from([f"u{i}@example.com" for i in range(5)])
STATES = st.sampled_from(["active", "inactive"])


class HttpMachine(RuleBasedStateMachine):
    identities = Bundle("identities")

    def __init__(self) -> None:
        super().__init__()
        APP.controller.reset()  # setup: back to the sealed state
        self.model: dict[str, dict[str, str]] = {}  # id -> {"email", "state"}

    @rule(target=identities, email=EMAILS)
    def create(self, email: str) -> str:
        response = CLIENT.post("/admin/identities", json={"schema_id": "default", "traits": {"email": email}})
        taken = any(m["email"] == email for m in self.model.values())
        assert response.status_code == (409 if taken else 201), response.text
        if taken:
            return "00000000-0000-4000-8000-000000000000"
        identity = response.json()
        self.model[identity["id"]] = {"email": email, "state": "active"}
        return identity["id"]

    @rule(identity_id=identities, state=STATES)
    def patch_state(self, identity_id: str, state: str) -> None:
        response = CLIENT.patch(
            f"/admin/identities/{identity_id}", json=[{"op": "replace", "path": "/state", "value": state}]
        )
        if identity_id not in self.model:
            assert response.status_code == 404
            return
        assert response.status_code == 200, response.text
        self.model[identity_id]["state"] = state

    @rule(identity_id=identities, email=EMAILS)
    def update_email(self, identity_id: str, email: str) -> None:
        body = {"schema_id": "default", "state": "active", "traits": {"email": email}}
        response = CLIENT.put(f"/admin/identities/{identity_id}", json=body)
        if identity_id not in self.model:
            assert response.status_code == 404
            return
        clash = any(m["email"] == email for i, m in self.model.items() if i != identity_id)
        assert response.status_code == (409 if clash else 200), response.text
        if not clash:
            self.model[identity_id] = {"email": email, "state": "active"}

    @rule(identity_id=consumes(identities))
    def delete(self, identity_id: str) -> None:
        response = CLIENT.delete(f"/admin/identities/{identity_id}")
        assert response.status_code == (204 if self.model.pop(identity_id, None) else 404)

    @rule(size=st.integers(1, 3))
    def pages_cover_everything_once(self, size: int) -> None:
        seen, url = [], f"/admin/identities?page_size={size}"
        while url:
            response = CLIENT.get(url)
            assert response.status_code == 200
            seen += [i["id"] for i in response.json()]
            found = re.search(r'<([^>]+)>; rel="next"', response.headers["link"])
            url = found.group(1) if found else ""
        assert seen == sorted(self.model)

    @invariant()
    def every_identity_reads_back_as_modelled(self) -> None:
        for identity_id, expected in self.model.items():
            got = CLIENT.get(f"/admin/identities/{identity_id}").json()
            assert (got["traits"]["email"], got["state"]) == (expected["email"], expected["state"])
            found = CLIENT.get("/admin/identities", params={"credentials_identifier": expected["email"].upper()}).json()
            assert [i["id"] for i in found] == [identity_id]


TestHttpMachine = HttpMachine.TestCase
TestHttpMachine.settings = settings(max_examples=25, stateful_step_count=15, deadline=None)
