"""``/__mock__/faults``: faults per Kratos operation (``mockserver.faults``; what
``kratos_mock.faults`` does in pytest). ``POST /__mock__/reset`` clears them too."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from ..errors import KratosError, bad_request
from ..faults import FaultError, FaultTable
from .common import Context, no_content, respond


class ControlFaultHandlers:
    def __init__(self, ctx: Context, faults: FaultTable) -> None:
        self.ctx = ctx
        self.faults = faults

    async def add_fault(self, body: Any) -> Response:
        try:
            fault = self.faults.add(body)
        except FaultError as error:
            raise bad_request(str(error)) from None
        return respond(fault.as_json(), 201)

    async def list_faults(self) -> Response:
        return respond([f.as_json() for f in self.faults.list()])

    async def clear_faults(self) -> Response:
        self.faults.clear()
        return no_content()

    async def delete_fault(self, id: int) -> Response:
        if not self.faults.remove(id):
            raise KratosError(404, f"No fault has the id {id}.")
        return no_content()
