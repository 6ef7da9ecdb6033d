"""moto's server with S3's clock check in front: a request signed in its headers whose
`x-amz-date` is more than 15 minutes from the server's clock is refused with 403
`RequestTimeTooSkewed` (S3's error document, and a `Date` header), as S3 does. moto checks
signatures but not their time, so without this a gateway clock hours off would pass here
and fail against AWS.

`python Tests/integration/servers/moto_clock_server.py HOST PORT` serves until killed;
`GET /_clock_check/refused` answers how many requests were refused so far.
"""
from __future__ import annotations

import calendar
import os
import sys
import threading
import time
from email.utils import formatdate

from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app

MAX_SKEW_SECONDS = 15 * 60


class ClockCheck:
    """WSGI middleware: refuses skewed requests before moto sees them."""

    def __init__(self, app):
        self.app = app
        self.refused = 0
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == "/_clock_check/refused":
            with self.lock:
                body = str(self.refused).encode()
            start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
            return [body]
        stamp = environ.get("HTTP_X_AMZ_DATE")
        if stamp:
            try:
                signed_at = calendar.timegm(time.strptime(stamp, "%Y%m%dT%H%M%SZ"))
            except ValueError:
                signed_at = None
            now = time.time()
            if signed_at is not None and abs(signed_at - now) > MAX_SKEW_SECONDS:
                return self.refuse(environ, start_response, stamp, now)
        return self.app(environ, start_response)

    def refuse(self, environ, start_response, stamp: str, now: float):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        stream = environ["wsgi.input"]
        while length > 0:  # read the body, so the client sees the answer, not a reset
            piece = stream.read(min(length, 1 << 20))
            if not piece:
                break
            length -= len(piece)
        with self.lock:
            self.refused += 1
        server_time = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))
        body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>RequestTimeTooSkewed</Code>"
                "<Message>The difference between the request time and the current time is too large.</Message>"
                f"<RequestTime>{stamp}</RequestTime><ServerTime>{server_time}</ServerTime>"
                f"<MaxAllowedSkewMilliseconds>{MAX_SKEW_SECONDS * 1000}</MaxAllowedSkewMilliseconds>"
                "<RequestId>CLOCKCHECK</RequestId></Error>").encode()
        start_response("403 Forbidden", [("Content-Type", "application/xml"), ("Content-Length", str(len(body))),
                                         ("Date", formatdate(now, usegmt=True))])
        return [body]


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
    os.environ.setdefault("MOTO_PORT", str(port))
    app = DomainDispatcherApplication(create_backend_app)
    app.debug = True
    run_simple(host, port, ClockCheck(app), threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
