"""Requests as a client outside the cluster sends them through the ingress gateway, each timed and classified."""

from __future__ import annotations

import http.client
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.cookiejar import CookieJar
from time import monotonic
from typing import Protocol
from urllib.parse import urlencode, urljoin, urlsplit

from tools.verify import outcomes
from tools.verify.outcomes import Observation
from tools.verify.page import classify

USER_AGENT = "istio-demo-verify/1"
PASSWORD = "istio-demo"  # Bookinfo accepts any password; only the user name counts
SESSION_COOKIE = "session"  # productpage keeps the logged-in user in Flask's session cookie
CONNECT_TIMEOUT = 5.0


@dataclass(frozen=True)
class PageVisit:
    """GET the product page, anonymous or logged in as `user` through its login form, sending `headers`."""

    user: str | None
    headers: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class HttpbinGet:
    """GET `path` with the `Host` header of httpbin's Gateway."""

    host: str
    path: str


@dataclass(frozen=True)
class EchoLine:
    """Open a TCP connection to the gateway's `port`, send one line, read the echo (prefix -> version)."""

    port: int
    prefixes: tuple[tuple[str, str], ...]


Visit = PageVisit | HttpbinGet | EchoLine


@dataclass(frozen=True)
class Endpoint:
    """Where the ingress gateway answers: the product page URL (its scheme, host and port carry all HTTP
    traffic) and, when set, a TCP port to use instead of the Gateway's own (e.g. behind a port-forward)."""

    url: str
    tcp_port: int | None = None

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    @property
    def http_port(self) -> int:
        parts = urlsplit(self.url)
        return parts.port or (443 if parts.scheme == "https" else 80)


class LoginError(Exception):
    """productpage's login did not log the user in."""


class Sender(Protocol):
    def prepare(self) -> None: ...

    def send(self, index: int) -> Observation: ...


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Leaves redirects unfollowed, so that every status reaches the verifier as it was sent."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _fetch(opener: urllib.request.OpenerDirector, request: urllib.request.Request, timeout: float) -> tuple[int, bytes]:
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read()


class ProductPage:
    def __init__(self, visit: PageVisit, endpoint: Endpoint, timeout: float) -> None:
        self.visit = visit
        self.url = endpoint.url
        self.timeout = timeout
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)

    def prepare(self) -> None:
        """Logs in as a browser does: POST the form to `login` (relative to the page), keep the session cookie."""
        if self.visit.user is None:
            return
        login = urljoin(self.url, "login")
        form = urlencode({"username": self.visit.user, "passwd": PASSWORD}).encode()
        headers = {**dict(self.visit.headers), "referer": self.url}
        try:
            status, _ = _fetch(self.opener, urllib.request.Request(login, data=form, headers=headers), self.timeout)
        except (OSError, http.client.HTTPException) as error:
            raise LoginError(f"POST {login} as {self.visit.user}: {error}") from None
        if not any(cookie.name == SESSION_COOKIE for cookie in self.jar):
            raise LoginError(
                f"POST {login} as {self.visit.user} answered HTTP {status} without a {SESSION_COOKIE} cookie"
            )

    def send(self, index: int) -> Observation:
        request = urllib.request.Request(self.url, headers=dict(self.visit.headers))
        start = monotonic()
        try:
            status, body = _fetch(self.opener, request, self.timeout)
        except (OSError, http.client.HTTPException):
            return Observation(outcomes.NO_RESPONSE, monotonic() - start)
        return Observation(classify(status, body.decode("utf-8", "replace")), monotonic() - start)


class Httpbin:
    def __init__(self, visit: HttpbinGet, endpoint: Endpoint, timeout: float) -> None:
        self.url = urljoin(endpoint.url, visit.path)
        self.headers = {"host": visit.host, "user-agent": USER_AGENT}
        self.timeout = timeout
        self.opener = urllib.request.build_opener(_NoRedirect)

    def prepare(self) -> None:
        return None

    def send(self, index: int) -> Observation:
        start = monotonic()
        try:
            status, _ = _fetch(self.opener, urllib.request.Request(self.url, headers=self.headers), self.timeout)
        except (OSError, http.client.HTTPException):
            return Observation(outcomes.NO_RESPONSE, monotonic() - start)
        return Observation(outcomes.http(status), monotonic() - start)


class TcpEcho:
    def __init__(self, visit: EchoLine, endpoint: Endpoint, timeout: float) -> None:
        self.address = (endpoint.host, endpoint.tcp_port or visit.port)
        self.versions = dict(visit.prefixes)
        self.timeout = timeout

    def prepare(self) -> None:
        return None

    def send(self, index: int) -> Observation:
        line = f"{USER_AGENT} {index}"
        start = monotonic()
        try:
            with socket.create_connection(self.address, timeout=self.timeout) as connection:
                connection.sendall(line.encode() + b"\n")
                with connection.makefile("rb") as replies:
                    reply = replies.readline().decode("utf-8", "replace").rstrip("\n")
        except OSError:
            return Observation(outcomes.NO_RESPONSE, monotonic() - start)
        prefix, _, echoed = reply.partition(" ")
        if echoed != line or prefix not in self.versions:
            return Observation(outcomes.OTHER_REPLY, monotonic() - start)
        return Observation(outcomes.echo(self.versions[prefix], prefix), monotonic() - start)


def sender(visit: Visit, endpoint: Endpoint, timeout: float) -> Sender:
    if isinstance(visit, PageVisit):
        return ProductPage(visit, endpoint, timeout)
    if isinstance(visit, HttpbinGet):
        return Httpbin(visit, endpoint, timeout)
    return TcpEcho(visit, endpoint, timeout)


def address(visit: Visit, endpoint: Endpoint) -> tuple[str, int]:
    """The host and port a visit connects to."""
    if isinstance(visit, EchoLine):
        return endpoint.host, endpoint.tcp_port or visit.port
    return endpoint.host, endpoint.http_port


def unreachable(host: str, port: int) -> str | None:
    """Why a TCP connection to host:port cannot be opened, or None when it can."""
    try:
        socket.create_connection((host, port), timeout=CONNECT_TIMEOUT).close()
    except OSError as error:
        return str(error) or type(error).__name__
    return None
