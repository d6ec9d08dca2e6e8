"""pyHanko's synchronous calls (``asyncio.run`` inside) work in a thread whose event loop
is running: the full suite runs Playwright's sync API, which keeps one running in the main
thread, and an async server would too. Each test runs in a fresh thread, so it holds
whether or not the main thread has a loop."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

from eoffice.signing.loop import outside_event_loop


def in_fresh_thread(function):
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function).result()


def synchronous_call() -> str:
    """What pyHanko's synchronous API does."""
    return asyncio.run(asyncio.sleep(0, result="ok"))


def test_a_synchronous_call_works_inside_a_running_loop():
    async def inside() -> str:
        return outside_event_loop(synchronous_call)

    assert in_fresh_thread(lambda: asyncio.run(inside())) == "ok"


def test_without_a_running_loop_the_call_stays_in_its_thread():
    def same_thread() -> bool:
        return outside_event_loop(threading.get_ident) == threading.get_ident()

    assert in_fresh_thread(same_thread)
