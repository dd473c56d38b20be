"""server.BackgroundServer: what a failing app factory leaves behind."""

from __future__ import annotations

import gc
import warnings

import pytest

from mockserver.server import BackgroundServer


def test_a_factory_that_raises_closes_the_sockets_it_was_given() -> None:
    """The ports are bound before the app is built (port 0 picks them); a factory that fails
    (a broken fixture, say) must not leave them open, or warn about them later."""

    def broken(*urls: str) -> object:
        raise ValueError("the fixture could not load")

    with warnings.catch_warnings():
        warnings.simplefilter("error", ResourceWarning)
        with pytest.raises(ValueError, match="could not load"):
            BackgroundServer(broken, public_port=0)  # type: ignore[arg-type]
        gc.collect()  # an unclosed socket warns when it is collected
