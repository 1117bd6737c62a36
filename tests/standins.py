"""Local stand-ins for what the ingress gateway serves, on 127.0.0.1 and an ephemeral port, for the verifier's tests.

Each answers from a fixed cycle of replies, so the counts a test sees are exact and its verdicts never flaky.
"""

from __future__ import annotations

import itertools
import re
import secrets
import socketserver
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

HOST = "127.0.0.1"
POLL_SECONDS = 0.01  # how soon a server notices it is shut down


@dataclass(frozen=True)
class Reply:
    """One product page: reviews from `version` (None: productpage gave up on reviews), stars or the ratings
    error, after `seconds`."""

    version: str | None
    ratings: bool = True
    seconds: float = 0.0
    status: int = 200


STARS = {"v2": "black", "v3": "red"}


def product_page(reply: Reply, user: str) -> str:
    """Markup as Bookinfo 1.20's templates/productpage.html renders it (abridged to what the verifier reads)."""
    signed_in = (
        f'<p class="text-base font-medium text-gray-50">{user}</p>'
        if user
        else '<button id="sign-in-button">Sign in</button>'
    )
    if reply.version is None:
        reviews = (
            '<p class="text-2xl text-red-500">Error fetching product reviews</p>\n'
            '<p class="text-lg text-gray-600">Sorry, product reviews are currently unavailable for this book.</p>'
        )
    else:
        if reply.version not in STARS:
            rating = ""
        elif reply.ratings:
            rating = f'<div class="flex gap-x-1 text-{STARS[reply.version]}-500">{"<svg></svg>" * 5}</div>'
        else:
            rating = '<p class="text-red-500">Ratings service is currently unavailable</p>'
        review = (
            f'<section>{rating}<blockquote><p>"A review"</p></blockquote>'
            '<div class="mt-0.5 text-gray-600 font-mono">Reviews served by: \n'
            f"                  reviews-{reply.version}-5b667bcbf8-x7kq2\n</div></section>"
        )
        reviews = f'<h4 class="text-3xl font-semibold">Book Reviews</h4>\n{review * 2}'
    return f"<html><title>Simple Bookstore App</title><nav>{signed_in}</nav>{reviews}</html>"


class _Server(ThreadingHTTPServer):
    daemon_threads = True


class _Handler(BaseHTTPRequestHandler):
    stand_in: ProductPageStandIn

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, status: int, body: bytes = b"", headers: Sequence[tuple[str, str]] = ()) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        self.stand_in.post(self)

    def do_GET(self) -> None:
        self.stand_in.get(self)


class _Serving:
    """Runs an HTTP server with `handler` on 127.0.0.1 in a thread, for the length of a `with` block."""

    def __init__(self) -> None:
        handler = type("Handler", (_Handler,), {"stand_in": self})
        self.server = _Server((HOST, 0), handler)
        self.lock = threading.Lock()

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, args=(POLL_SECONDS,), daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def post(self, request: _Handler) -> None:
        request._send(404)

    def get(self, request: _Handler) -> None:
        request._send(404)


class ProductPageStandIn(_Serving):
    """productpage behind the gateway: `POST /login` puts the user in a session cookie, `GET /productpage` serves
    the next reply of its client's cycle: the logged-in user's, else "header" when the request's header matches
    `header` (name, regex), else "anonymous"."""

    def __init__(
        self,
        replies: dict[str, Sequence[Reply]],
        header: tuple[str, str] | None = None,
        sets_cookie: bool = True,
    ) -> None:
        super().__init__()
        self.cycles: dict[str, Iterator[Reply]] = {key: itertools.cycle(cycle) for key, cycle in replies.items()}
        self.header = header
        self.sets_cookie = sets_cookie
        self.sessions: dict[str, str] = {}
        self.logins: list[dict[str, str]] = []
        self.served: dict[str, int] = {}

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/productpage"

    def post(self, request: _Handler) -> None:
        length = int(request.headers.get("Content-Length", "0"))
        form = {key: values[0] for key, values in parse_qs(request.rfile.read(length).decode()).items()}
        if request.path != "/login":
            return request._send(404)
        with self.lock:
            self.logins.append(
                {
                    **form,
                    "referer": request.headers.get("Referer", ""),
                    "content-type": request.headers.get("Content-Type", ""),
                }
            )
        headers = [("Location", request.headers.get("Referer", "/"))]
        if self.sets_cookie:
            token = secrets.token_hex(8)
            with self.lock:
                self.sessions[token] = form.get("username", "")
            headers.append(("Set-Cookie", f"session={token}; HttpOnly; Path=/"))
        request._send(302, b"", headers)

    def _client(self, request: _Handler) -> tuple[str, str]:
        cookies = dict(
            part.strip().split("=", 1) for part in request.headers.get("Cookie", "").split(";") if "=" in part
        )
        user = self.sessions.get(cookies.get("session", ""), "")
        if user:
            return user, user
        if self.header and re.fullmatch(self.header[1], request.headers.get(self.header[0], "")):
            return "header", ""
        return "anonymous", ""

    def get(self, request: _Handler) -> None:
        if request.path != "/productpage":
            return request._send(404)
        key, user = self._client(request)
        with self.lock:
            self.served[key] = self.served.get(key, 0) + 1
            reply = next(self.cycles[key]) if key in self.cycles else Reply(None, status=500)
        time.sleep(reply.seconds)
        request._send(reply.status, product_page(reply, user).encode(), [("Content-Type", "text/html; charset=utf-8")])


class HttpbinStandIn(_Serving):
    """The gateway with httpbin's routes: 200 for paths under `routed` with Host `host`, 404 for anything else."""

    def __init__(self, host: str, routed: Sequence[str]) -> None:
        super().__init__()
        self.host = host
        self.routed = tuple(routed)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/productpage"

    def get(self, request: _Handler) -> None:
        ok = request.headers.get("Host") == self.host and request.path.startswith(self.routed)
        request._send(200 if ok else 404, b'{"headers": {}}' if ok else b"")


class TcpEchoStandIn:
    """tcp-echo behind the gateway's TCP port: each connection's lines come back prefixed with the next prefix
    of `prefixes`, as the version the gateway picked would prefix them."""

    def __init__(self, prefixes: Sequence[str]) -> None:
        cycle = itertools.cycle(prefixes)
        lock = threading.Lock()

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                with lock:
                    prefix = next(cycle)
                for line in self.rfile:
                    self.wfile.write(prefix.encode() + b" " + line)

        self.server = socketserver.ThreadingTCPServer((HOST, 0), Handler)
        self.server.daemon_threads = True

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def __enter__(self) -> TcpEchoStandIn:
        threading.Thread(target=self.server.serve_forever, args=(POLL_SECONDS,), daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
