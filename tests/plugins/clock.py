"""A frozen clock: ``frozen_clock`` stops time at a known instant; ``.shift()`` moves it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

#: A Monday morning in Oslo; clinical time points are named relative to it.
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def frozen_clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller
