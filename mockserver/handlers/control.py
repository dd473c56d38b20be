"""The control plane under ``/__mock__`` (spec/control-plane.yaml): reset, fixtures, state,
sessions, clock, request journal, health. Thin: each calls the ``MockController`` or the store."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from starlette.responses import Response

from .. import wire
from ..control import MockController
from ..errors import KratosError, bad_request
from ..export import dump_state
from ..fixtures import FixtureError, parse_session_seed
from ..matchers import select
from ..values import MAX_TIME, MIN_TIME, TIME_EXPECTED, fmt_time, parse_time
from .common import Context, go_duration, no_content, respond


def _fixture_error(error: FixtureError) -> KratosError:
    return bad_request(str(error))


class ControlHandlers:
    def __init__(self, ctx: Context, controller: MockController) -> None:
        self.ctx = ctx
        self.controller = controller
        self.store = controller.store

    async def reset_mock(self) -> Response:
        return respond({"undone": self.controller.reset()})

    async def load_fixtures(self, body: dict[str, Any], baseline: bool = False) -> Response:
        try:
            counts = self.controller.load([body], baseline=baseline)
        except FixtureError as error:
            raise _fixture_error(error) from None
        return respond(counts, 201)

    async def seal_baseline(self) -> Response:
        with self.store.lock:
            self.controller.seal()
            return respond({"identities": len(self.store), "sessions": len(self.store.sessions())})

    async def get_state(self) -> Response:
        return respond(dump_state(self.store))

    async def create_session(self, body: dict[str, Any]) -> Response:
        try:
            identity_id, seed = parse_session_seed(self.store, None, "$", body)
        except FixtureError as error:
            raise _fixture_error(error) from None
        session = self.store.create_session(identity_id, seed)
        identity = self.store.find_identity(identity_id)
        view = wire.session_json(
            session,
            identity,
            self.ctx.public_url,
            active=self.store.is_session_active(session, identity),
            devices="show",
        )
        return respond({**view, "token": session.token}, 201)

    async def get_clock(self) -> Response:
        return respond(self._clock())

    async def set_clock(self, body: dict[str, Any]) -> Response:
        clock = self.store.clock
        instant = _time(body.get("set"), "set")
        step = go_duration(body["advance"], "advance") if body.get("advance") else None
        target = (instant or clock.now()) + (step or timedelta(0))
        if not MIN_TIME <= target <= MAX_TIME:  # checked before anything changes
            raise bad_request(f"the clock must stay between years 1 and 9000, not {target.year}")
        if body.get("freeze") is True:
            clock.freeze(instant)
        elif instant is not None:
            clock.set(instant)
        if body.get("freeze") is False:
            clock.unfreeze()
        if step is not None:
            clock.advance(step)
        return respond(self._clock())

    def _clock(self) -> dict[str, Any]:
        return {"now": fmt_time(self.store.clock.now()), "frozen": self.store.clock.frozen}

    async def list_requests(
        self,
        operation_id: str | None = None,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> Response:
        entries = select(
            self.controller.journal.entries(operation_id),
            method=method,
            path=path,
            status=status,
            since=_time(since, "since"),
            until=_time(until, "until"),
        )
        return respond([e.as_json() for e in entries])

    async def clear_requests(self) -> Response:
        self.controller.journal.clear()
        return no_content()

    async def list_courier(self, recipient: str | None = None) -> Response:
        from ..courier import Courier

        return respond([m.as_dict() for m in Courier(self.store).messages(recipient)])

    async def get_health(self) -> Response:
        if not self.store.ping():
            raise KratosError(503, "The store did not answer within 1s.")
        return respond(
            {
                "status": "ok",
                "identities": len(self.store),
                "sessions": len(self.store.sessions()),
                "journal": len(self.controller.journal),
            }
        )


def _time(value: Any, field: str) -> datetime | None:
    if value is None:
        return None
    parsed = parse_time(value)
    if parsed is None:
        raise bad_request(f"{field} must be {TIME_EXPECTED}, got {value!r}")
    return parsed
