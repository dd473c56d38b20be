"""The courier admin API (courier/handler.go at v26.2.0): the messages the flows queued, newest
first, keyset-paged; subjects and bodies redacted unless Kratos runs with ``--dev`` (``dev: true``)."""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import urlencode

from starlette.responses import Response

from ..errors import KratosError, PlainError, bad_request, not_found
from ..godecode import GoDecodeError, gofrs_v4_4
from ..models import CourierMessage
from ..store.courier_verbs import MESSAGE_STATUSES
from ..values import fmt_time
from .common import Context, raw_query, request_path, respond

REDACTED = "<redacted-unless-dev-mode>"
DEFAULT_PAGE_SIZE = 10  # persister_courier.go ListMessages
MAX_PAGE_SIZE = 500  # keysetpagination_v2 DefaultMaxSize


def message_json(message: CourierMessage, *, dev: bool) -> dict[str, Any]:
    """courier/message.go Message, in its field order (``dispatches`` omitted: none are made)."""
    return {
        "id": message.id,
        "status": message.status,
        "type": message.type,
        "recipient": message.recipient,
        "body": message.body if dev else REDACTED,
        "subject": message.subject if dev else REDACTED,
        "template_type": message.template_type,
        "channel": message.channel,
        "send_count": message.send_count,
        "created_at": fmt_time(message.created_at),
        "updated_at": fmt_time(message.created_at),
    }


class CourierHandlers:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.store = ctx.store

    async def list_courier_messages(
        self,
        page_size: Any = None,
        page_token: Any = None,
        status: Any = None,
        recipient: Any = None,
    ) -> Response:
        """courier/handler.go listCourierMessages: parse errors are WriteErrorCode(400, err)."""
        query = raw_query()
        first = {k: v for k, v in reversed(query)}
        status = first.get("status") if "status" in first else None
        if status is not None and status not in MESSAGE_STATUSES:
            raise bad_request("Message status is not valid")
        after = _parse_token(first.get("page_token", ""))
        size = DEFAULT_PAGE_SIZE
        if first.get("page_size"):
            try:
                size = int(first["page_size"], 10)
            except ValueError:
                raise PlainError(f'strconv.Atoi: parsing "{first["page_size"]}": invalid syntax') from None
        size = DEFAULT_PAGE_SIZE if size <= 0 else min(size, MAX_PAGE_SIZE)
        messages = self.store.courier_messages(recipient=first.get("recipient", ""), status=status)
        start = 0
        if after:
            start = next((i + 1 for i, m in enumerate(messages) if m.id == after), -1)
            if start < 0:  # not a token of ours (Kratos: the token does not decrypt)
                raise PlainError("the page token is invalid")
        page = messages[start : start + size]
        is_last = start + size >= len(messages)
        dev = self.ctx.config.dev
        response = respond([message_json(m, dev=dev) for m in page])
        response.headers["Link"] = _links(query, size, page[-1].id if page and not is_last else None)
        return response

    async def get_courier_message(self, id: str) -> Response:
        """courier/handler.go getCourierMessage: a malformed id is 400 with the parser's text."""
        try:
            message_id = gofrs_v4_4(id)
        except GoDecodeError as error:
            raise KratosError(400, message=str(error)) from None
        message = self.store.find_courier_message(message_id)
        if message is None:
            raise not_found()
        return respond(message_json(message, dev=self.ctx.config.dev))


def _parse_token(raw: str) -> str:
    """Our page tokens are opaque (Kratos encrypts its keyset token); a broken one is refused."""
    if not raw:
        return ""
    try:
        return base64.b64decode(raw + "=" * (-len(raw) % 4), altchars=b"-_", validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise PlainError("the page token is invalid") from None


def _links(query: list[tuple[str, str]], size: int, next_after: str | None) -> str:
    """keysetpagination_v2 SetLinkHeader: ``first`` always, ``next`` unless this is the last page."""
    base = [(k, v) for k, v in query if k not in ("page_token", "page_size")]

    def part(rel: str, token: str) -> str:
        return f'<{request_path()}?{urlencode([*base, ("page_size", str(size)), ("page_token", token)])}>; rel="{rel}"'

    links = [part("first", "")]
    if next_after is not None:
        links.append(part("next", base64.urlsafe_b64encode(next_after.encode()).decode().rstrip("=")))
    return ",".join(links)
