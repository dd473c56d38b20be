"""The courier as a test reads it: the messages the flows queued, the newest one to an address,
and the code or link it carries (``kratos_mock.courier.last(to="ada@example.com").code``).

Reads the store only; the Kratos view of the same messages is the admin courier API
(``handlers/courier.py``), the control plane's is ``GET /__mock__/courier``."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

from .models import CourierMessage
from .store import Store
from .values import fmt_time

_CODE = re.compile(r"\b(\d{6})\b")


@dataclass(frozen=True)
class Message:
    """One queued message, unredacted. ``code`` is the one-time code (or the link's token) it
    carries, as sent; for messages without one it is parsed from the body (six digits)."""

    id: str
    recipient: str
    template_type: str
    subject: str
    body: str
    code: str
    link: str
    status: str
    created_at: str

    @classmethod
    def of(cls, stored: CourierMessage) -> Message:
        code = stored.code
        if not code:
            found = _CODE.search(stored.body)
            code = found.group(1) if found else ""
        return cls(
            id=stored.id,
            recipient=stored.recipient,
            template_type=stored.template_type,
            subject=stored.subject,
            body=stored.body,
            code=code,
            link=stored.link,
            status=stored.status,
            created_at=fmt_time(stored.created_at),
        )

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class Courier:
    """The store's courier messages, oldest first."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def messages(self, to: str | None = None, template_type: str | None = None) -> list[Message]:
        """Every message (to one recipient, of one template type), in the order queued."""
        found = reversed(self._store.courier_messages(recipient=to or ""))
        return [Message.of(m) for m in found if template_type is None or m.template_type == template_type]

    def last(self, to: str | None = None, template_type: str | None = None) -> Message:
        """The newest message (to ``to``, of ``template_type``); LookupError naming what there is."""
        found = self.messages(to, template_type)
        if not found:
            held = [f"{m.template_type} to {m.recipient}" for m in self.messages()] or ["nothing"]
            wanted = " ".join(filter(None, [template_type or "a message", f"to {to}" if to else ""]))
            raise LookupError(f"the courier holds no {wanted}; it holds: {', '.join(held)}")
        return found[-1]

    def __len__(self) -> int:
        return len(self._store.courier_messages())
