"""Bounded work: the refusals for requests too big to read and callers with too much in flight, and the
per-department concurrency cap.

- `HeadersTooLarge` (431 `request_headers_too_large`): the request head is over `[gateway] max_header_bytes`
  or has more than `max_headers` fields. The proxy stops reading it at the limit (addons.limits).
- `RequestTooLarge` (413 `request_too_large`): an announced request body over `max_request_body_bytes`, or
  a chunked one; the body is never read.
- `TooManyRequests` (429 `too_many_requests`, `Retry-After`): the calling department already has
  `max_concurrent_per_dept` calls in flight. 429, not 503: the gateway is up and serving others; it is this
  department that is over its share, and it is told when to retry.

The two size refusals close the connection (`Connection: close`): what the caller still sends is dropped,
never parsed as a next request. `DepartmentSlots` is the cap itself (a counter per department).
"""

from __future__ import annotations

import threading

from .errors import GatewayError

RETRY_AFTER_SECONDS = 1


class HeadersTooLarge(GatewayError):
    status, reason = 431, "request_headers_too_large"

    def __init__(self, message: str = ""):
        super().__init__(self.reason, message or "the request headers are too large or too many; send fewer "
                                                 "and shorter headers")

    def headers(self) -> dict[str, str]:
        return {"Connection": "close"}


class RequestTooLarge(GatewayError):
    status, reason = 413, "request_too_large"

    def __init__(self, message: str = ""):
        super().__init__(self.reason, message or "shared resources are read without a request body; send the "
                                                 "request without one")

    def headers(self) -> dict[str, str]:
        return {"Connection": "close"}


class TooManyRequests(GatewayError):
    status, reason = 429, "too_many_requests"

    def __init__(self, message: str = ""):
        super().__init__(self.reason, message or "your department has too many calls in flight; retry after "
                                                 f"{RETRY_AFTER_SECONDS} second(s)")

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(RETRY_AFTER_SECONDS)}


class DepartmentSlots:
    """At most `limit` calls in flight per department (0: no cap). `acquire` is all-or-nothing."""

    def __init__(self, limit: int):
        self.limit = limit
        self._in_flight: dict[str, int] = {}
        self._lock = threading.Lock()

    def acquire(self, dept: str) -> bool:
        with self._lock:
            n = self._in_flight.get(dept, 0)
            if self.limit and n >= self.limit:
                return False
            self._in_flight[dept] = n + 1
            return True

    def release(self, dept: str) -> None:
        with self._lock:
            n = self._in_flight.get(dept, 0) - 1
            if n > 0:
                self._in_flight[dept] = n
            else:
                self._in_flight.pop(dept, None)

    def in_flight(self, dept: str) -> int:
        with self._lock:
            return self._in_flight.get(dept, 0)
