"""pyHanko's synchronous API (``validate_pdf_signature``, ``sign_pdf``) wraps its async
code in ``asyncio.run()``, which refuses to start in a thread whose event loop is already
running: an async server or worker, or a browser-test driver (Playwright's sync API keeps
one running in the main thread for the whole test session). Such calls go to a
short-lived thread of their own instead; everywhere else they run where they are."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any


def outside_event_loop(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pyhanko") as pool:
        return pool.submit(function, *args, **kwargs).result()
