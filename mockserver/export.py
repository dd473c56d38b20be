"""``kratos-mock fixtures export``: snapshot any running Kratos (real or mock) into a fixture file,
through the admin API only (identities with their credential hashes, and the identity schemas)."""

from __future__ import annotations

import json
import re
import urllib.request
from typing import Any
from urllib.parse import urljoin

from .fixtures import SECRET_TYPES, identity_fixture

_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')


def _get(url: str, token: str | None) -> tuple[Any, str]:
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310 - user's URL
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - user's URL
        return json.loads(response.read()), response.headers.get("Link", "")


def export_fixture(base_url: str, *, public_url: str | None = None, token: str | None = None) -> dict[str, Any]:
    """A fixture document with every identity and schema the server has."""
    base = base_url.rstrip("/") + "/"
    include = "&".join(f"include_credential={t}" for t in SECRET_TYPES)
    url = urljoin(base, f"admin/identities?page_size=500&{include}")
    identities: list[dict[str, Any]] = []
    while url:
        page, link = _get(url, token)
        identities += [identity_fixture(i) for i in page]
        found = _NEXT.search(link)
        url = urljoin(base, found.group(1)) if found and page else ""
    schemas_page, _ = _get(urljoin((public_url or base_url).rstrip("/") + "/", "schemas?per_page=1000"), token)
    schemas = {s["id"]: s["schema"] for s in schemas_page}
    return {"schemas": schemas, "identities": identities}
