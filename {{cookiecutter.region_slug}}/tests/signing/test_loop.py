"""pyHanko's synchronous calls work inside a thread whose event loop is running (the
full suite runs Playwright's sync API, which keeps one running in the main thread)."""

from __future__ import annotations

import asyncio

from eoffice.signing import verify
from eoffice.signing.loop import outside_event_loop
from tests.signing.conftest import sign_pdf


def test_checking_works_inside_a_running_event_loop(plain_pdf, region_signer):
    async def inside() -> str:
        signed = sign_pdf(plain_pdf, region_signer)
        return verify.check_pdf(signed).verdict

    assert asyncio.run(inside()) == verify.VALID


def test_outside_a_loop_the_call_stays_in_its_thread():
    import threading

    assert outside_event_loop(threading.get_ident) == threading.get_ident()
