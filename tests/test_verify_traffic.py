"""The verifier end to end, against stand-ins for the gateway on 127.0.0.1: the right verdict for each covered
scenario, matching and not, the login flow, and the exit statuses.

Bookinfo's timeouts are scaled down a hundredfold (3s -> 30ms) and so are the scenarios' durations, so a
delayed page takes tens of milliseconds; the stand-ins answer from fixed cycles, so every count is exact.
"""

from __future__ import annotations

import json
import re
import socket
import time

import pytest

from tests.standins import HttpbinStandIn, ProductPageStandIn, Reply, TcpEchoStandIn
from tools.preview.stack_config import assemble
from tools.verify import __main__ as verify
from tools.verify.facts import BookinfoFacts

SCALED = BookinfoFacts(reviews_try_timeout=0.03, reviews_tries=2, ratings_timeouts=(("v2", 0.1), ("v3", 0.025)))
SCALED_DURATIONS = ("faultDelay=70ms", "reviewsTimeout=5ms", "ratingsDelay=20ms")
REQUESTS = "60"


@pytest.fixture
def stack(monkeypatch):
    """Sets the stack configuration the verifier reads: the dev stack with `overrides`, durations scaled."""

    def configure(*overrides: str) -> None:
        config = assemble("dev", None, (*SCALED_DURATIONS, *overrides))[1]
        monkeypatch.setattr(verify, "stack_config", lambda stack: (config, "the test's configuration"))

    return configure


def run(*arguments: str) -> int:
    return verify.main([*arguments, "--requests", REQUESTS, "--concurrency", "6", "--json"], facts=SCALED)


V1, V2, V3 = Reply("v1"), Reply("v2"), Reply("v3")
FIREFOX_HEADER = ("user-agent", ".*Firefox.*")

# (id, scenario, overrides, replies per client of the stand-in, exit status)
BOOKINFO = [
    ("round-robin", "round-robin", (), {"anonymous": [V1, V2, V3]}, 0),
    ("round-robin, only v1", "round-robin", (), {"anonymous": [V1]}, 1),
    ("all-v1", "all-v1", (), {"anonymous": [V1]}, 0),
    ("all-v1, one v2 in 60", "all-v1", (), {"anonymous": [V1] * 59 + [V2]}, 1),
    ("user-routing", "user-routing", (), {"anonymous": [V1], "jason": [V2]}, 0),
    ("user-routing, jason sees v1", "user-routing", (), {"anonymous": [V1], "jason": [V1]}, 1),
    ("user-routing, other user", "user-routing", ("user=alice",), {"anonymous": [V1], "alice": [V2]}, 0),
    ("user-routing, everyone on v2", "user-routing", (), {"anonymous": [V2], "jason": [V2]}, 1),
    ("fault-delay", "fault-delay", (), {"anonymous": [V1], "jason": [Reply(None, seconds=0.06)]}, 0),
    ("fault-delay, unavailable at once", "fault-delay", (), {"anonymous": [V1], "jason": [Reply(None)]}, 1),
    ("fault-delay, no delay", "fault-delay", (), {"anonymous": [V1], "jason": [V2]}, 1),
    (
        "fault-delay, short delay",
        "fault-delay",
        ("faultDelay=20ms",),
        {"anonymous": [V1], "jason": [Reply("v2", seconds=0.02)]},
        0,
    ),
    ("fault-delay, short delay missing", "fault-delay", ("faultDelay=20ms",), {"anonymous": [V1], "jason": [V2]}, 1),
    ("fault-abort", "fault-abort", (), {"anonymous": [V1], "jason": [Reply("v2", ratings=False)]}, 0),
    ("fault-abort, ratings answer", "fault-abort", (), {"anonymous": [V1], "jason": [V2]}, 1),
    (
        "fault-abort, everyone",
        "fault-abort",
        ("faultTarget=everyone",),
        {"anonymous": [V1], "jason": [Reply("v2", ratings=False)]},
        0,
    ),
    ("traffic-shifting", "traffic-shifting", (), {"anonymous": [V1, V3]}, 0),
    ("traffic-shifting, 80/20 served", "traffic-shifting", (), {"anonymous": [V1, V1, V1, V1, V3]}, 1),
    (
        "traffic-shifting 80/20",
        "traffic-shifting",
        ("reviewsWeights=v1=80,v2=20",),
        {"anonymous": [V1, V1, V1, V1, V2]},
        0,
    ),
    (
        "traffic-shifting 80/20, 50/50 served",
        "traffic-shifting",
        ("reviewsWeights=v1=80,v2=20",),
        {"anonymous": [V1, V3]},
        1,
    ),
    ("request-timeout", "request-timeout", (), {"anonymous": [Reply(None, seconds=0.01)]}, 0),
    ("request-timeout, no timeout", "request-timeout", (), {"anonymous": [Reply("v2", seconds=0.02)]}, 1),
    # Its floor, two tries cut at 25 ms, stays well above what an instant reply takes on a loaded machine (at the
    # table's 5 ms, 10 ms, a busy run once saw every reply take longer).
    (
        "request-timeout, unavailable at once",
        "request-timeout",
        ("reviewsTimeout=25ms", "ratingsDelay=60ms"),
        {"anonymous": [Reply(None)]},
        1,
    ),
    ("header-routing", "header-routing", (), {"header": [V2], "anonymous": [V1]}, 0),
    ("header-routing, header ignored", "header-routing", (), {"header": [V1], "anonymous": [V1]}, 1),
    ("header-routing, v2 for all", "header-routing", (), {"header": [V2], "anonymous": [V2]}, 1),
    ("round-robin, pages fail", "round-robin", (), {"anonymous": [V1, V2, Reply("v3", status=503)]}, 1),
]


@pytest.mark.parametrize(
    ("scenario", "overrides", "replies", "status"), [c[1:] for c in BOOKINFO], ids=[c[0] for c in BOOKINFO]
)
def test_bookinfo_verdicts(stack, capsys, scenario, overrides, replies, status):
    stack(f"scenario={scenario}", *overrides)
    with ProductPageStandIn(replies, header=FIREFOX_HEADER) as stand_in:
        assert run("--url", stand_in.url) == status
    document = json.loads(capsys.readouterr().out)
    assert (document["scenario"], document["matches"]) == (scenario, status == 0)
    assert sum(stand_in.served.values()) == int(REQUESTS) * len({row["probe"] for row in document["rows"]})


def test_login_posts_the_form_and_sends_the_session_cookie(stack, capsys):
    stack("scenario=user-routing")
    with ProductPageStandIn({"anonymous": [V1], "jason": [V2]}) as stand_in:
        assert run("--url", stand_in.url) == 0
    assert stand_in.logins == [
        {
            "username": "jason",
            "passwd": "istio-demo",
            "referer": stand_in.url,
            "content-type": "application/x-www-form-urlencoded",
        }
    ]
    assert stand_in.served == {"anonymous": 60, "jason": 60}


def test_a_login_without_session_cookie_is_a_mismatch(stack, capsys):
    stack("scenario=user-routing")
    with ProductPageStandIn({"anonymous": [V1], "jason": [V2]}, sets_cookie=False) as stand_in:
        assert run("--url", stand_in.url) == 1
    captured = capsys.readouterr()
    message = f"POST http://127.0.0.1:{stand_in.port}/login as jason answered HTTP 302 without a session cookie"
    assert f"mismatch: {message}" in captured.err
    assert json.loads(captured.out) == {
        "scenario": "user-routing",
        "url": stand_in.url,
        "matches": False,
        "error": message,
    }


def test_the_table_shows_expected_against_observed(stack, capsys):
    stack("scenario=fault-delay")
    with ProductPageStandIn({"anonymous": [V1], "jason": [Reply(None)]}) as stand_in:
        assert verify.main(["--url", stand_in.url, "--requests", "20", "--concurrency", "4"], facts=SCALED) == 1
    lines = [line.rstrip() for line in capsys.readouterr().out.splitlines()]
    assert lines[0] == f"scenario fault-delay at {stand_in.url}"
    rows = [line.split() for line in lines if line.strip().startswith(("v1", "reviews unavailable"))]
    assert rows == [
        ["v1", "100%", "20", "(100%)", *rows[0][4:5], "exact", "ok"],
        ["reviews", "unavailable", "0%", "20", "(100%)", *rows[1][5:6], "exact", "MISMATCH"],
        ["reviews", "unavailable,", ">=", "0.06s", "100%", "0", "(0%)", "-", "exact", "MISMATCH"],
    ]
    assert "DOES NOT MATCH" in lines


@pytest.mark.parametrize(
    ("overrides", "prefixes", "status"),
    [
        ((), ["one"] * 4 + ["two"], 0),
        ((), ["one"], 1),
        ((), ["one", "two"], 1),
        (("tcpEchoWeights=v1=50,v2=50",), ["one", "two"], 0),
        ((), ["three"], 1),
    ],
)
def test_tcp_traffic_shifting_verdicts(stack, capsys, overrides, prefixes, status):
    stack("scenario=tcp-traffic-shifting", *overrides)
    with TcpEchoStandIn(prefixes) as stand_in:
        assert run("--url", "http://127.0.0.1/productpage", "--tcp-port", str(stand_in.port)) == status


@pytest.mark.parametrize(
    ("overrides", "host", "routed", "status"),
    [
        ((), "httpbin.example.com", ["/headers"], 0),
        ((), "httpbin.example.com", ["/"], 1),
        ((), "httpbin.example.com", [], 1),
        ((), "bookinfo.example.com", ["/headers"], 1),  # the verifier must send httpbin's Host
        (("httpbinStatusPath=true",), "httpbin.example.com", ["/headers", "/status"], 0),
        (("httpbinStatusPath=true",), "httpbin.example.com", ["/headers"], 1),
    ],
)
def test_httpbin_ingress_verdicts(stack, capsys, overrides, host, routed, status):
    stack("scenario=httpbin-ingress", *overrides)
    with HttpbinStandIn(host, routed) as stand_in:
        assert run("--url", stand_in.url) == status


def test_header_routing_with_a_custom_header_value(stack, capsys):
    stack("scenario=header-routing", "headerRegex=.*Chrome.*")
    with ProductPageStandIn({"header": [V2], "anonymous": [V1]}, header=("user-agent", ".*Chrome.*")) as stand_in:
        assert run("--url", stand_in.url) == 2
        assert (
            "error: --header-value: pass a value of user-agent that matches headerRegex '.*Chrome.*'"
            in capsys.readouterr().err
        )
        assert run("--url", stand_in.url, "--header-value", "Mozilla/5.0 Chrome/140.0") == 0


IN_CLUSTER = [
    (
        "circuit-breaking",
        "kubectl -n circuit-breaking exec deploy/fortio-v1 -c fortio -- /usr/bin/fortio load -c 3 -qps 0 -n 30"
        " -loglevel Warning http://httpbin:8000/get",
    ),
    ("mirroring", "kubectl -n mirroring exec deploy/curl-v1 -- curl -sS http://httpbin:8000/headers"),
    (
        "egress-gateway",
        "kubectl -n egress-gateway exec deploy/curl-v1 -- curl -sSL -o /dev/null -D - http://edition.cnn.com/",
    ),
    (
        "locality-failover",
        "kubectl -n bookinfo exec deploy/productpage-v1 -c istio-proxy -- pilot-agent request GET clusters | grep"
        " '^outbound|9080||reviews.bookinfo.svc.cluster.local::' | grep '::priority::'",
    ),
]


@pytest.mark.parametrize(("scenario", "first_command"), IN_CLUSTER)
def test_scenarios_not_verifiable_from_outside_exit_3_with_the_commands(stack, capsys, scenario, first_command):
    stack(f"scenario={scenario}")
    assert verify.main([]) == 3
    out = capsys.readouterr().out
    assert out.startswith(f"scenario {scenario} cannot be verified with traffic from outside the cluster")
    assert f"  {first_command}\n" in out
    assert verify.main(["--json"]) == 3
    document = json.loads(capsys.readouterr().out)
    assert (document["verifiable"], document["steps"][0]["command"]) == (False, first_command)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize(
    ("overrides", "hint"),
    [
        ((), "; check --url and that the stack is up\n"),
        (
            ("target=existing", "kubeContext=kind-istio"),
            "; the ingress gateway has no external address: run `kubectl --context kind-istio -n istio-system"
            " port-forward svc/istio-ingressgateway 8080:80` (the stack output productpagePortForward) first\n",
        ),
    ],
)
def test_an_unreachable_gateway_cannot_be_checked(stack, capsys, overrides, hint):
    stack("scenario=all-v1", *overrides)
    port = closed_port()
    assert run("--url", f"http://127.0.0.1:{port}/productpage") == 2
    error = capsys.readouterr().err
    assert f"error: cannot reach 127.0.0.1:{port} (" in error and error.endswith(hint)


@pytest.mark.parametrize(
    ("arguments", "overrides", "message"),
    [
        (["--url", "ftp://example/productpage"], (), "error: --url: 'ftp://example/productpage' is not an http(s) URL"),
        ([], (), "error: cannot read the stack output productpageUrl (the Pulumi CLI is not on PATH); pass --url"),
        (
            ["--url", "http://127.0.0.1/productpage"],
            ("reviewsWeights=v1=90",),
            "error: reviewsWeights: weights sum to 90; allowed: subset=weight pairs over v1, v2, v3 summing to 100",
        ),
    ],
)
def test_errors_exit_2_with_one_line(stack, capsys, monkeypatch, tmp_path, arguments, overrides, message):
    monkeypatch.setenv("PATH", str(tmp_path))
    stack("scenario=all-v1", *overrides)
    assert verify.main(arguments) == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith(message)


@pytest.mark.parametrize(
    "arguments", [["--requests", "0"], ["--scenario", "chaos"], ["--concurrency", "many"], ["--tcp-port", "-1"]]
)
def test_bad_flags_exit_2(arguments):
    with pytest.raises(SystemExit) as exit_:
        verify.main(arguments)
    assert exit_.value.code == 2


def test_requests_are_bounded_and_quick(stack, capsys):
    stack("scenario=fault-delay")
    with ProductPageStandIn({"anonymous": [V1], "jason": [Reply(None, seconds=0.06)]}) as stand_in:
        start = time.monotonic()
        assert (
            verify.main(["--url", stand_in.url, "--requests", "12", "--concurrency", "4", "--json"], facts=SCALED) == 0
        )
    assert stand_in.served == {"anonymous": 12, "jason": 12}
    assert time.monotonic() - start < 2


def test_the_docs_give_the_exit_statuses():
    from tests.test_docs import section

    rows = dict(re.findall(r"^\| (\d) \| (.+) \|$", section("Check it worked", "docs/verify.md"), re.M))
    assert (
        sorted(map(int, rows))
        == sorted([verify.MATCHES, verify.MISMATCH, verify.CANNOT_RUN, verify.NOT_VERIFIABLE])
        == [0, 1, 2, 3]
    )
    assert rows["3"].startswith(
        "`circuit-breaking`, `mirroring`, `egress-gateway` and `locality-failover` cannot be seen from outside"
    )


def test_brackets_in_a_regex_print_as_they_are(stack, capsys):
    stack("scenario=header-routing", "headerRegex=.*[F]irefox.*")
    with ProductPageStandIn({"header": [V2], "anonymous": [V1]}, header=("user-agent", ".*Firefox.*")) as stand_in:
        assert verify.main(["--url", stand_in.url, "--requests", "5"], facts=SCALED) == 0
    captured = capsys.readouterr()
    assert "user-agent ~ .*[F]irefox.* (5 requests)" in captured.out
    assert "user-agent ~ .*[F]irefox.*" in captured.err  # the progress bar's label
