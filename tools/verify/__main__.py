"""Verify a running scenario against live traffic through the ingress gateway.

    python -m tools.verify [--url URL] [--scenario NAME] [--stack NAME] [--requests N] [--concurrency C]
                           [--tcp-port PORT] [--header-value VALUE] [--json]

Sends N requests per kind of client the scenario singles out (anonymous, logged in as its user, with and
without the routed header; httpbin paths; TCP connections), sorts each response by the reviews version that
served it and by what went wrong (an error message, an HTTP status, the time it took), and compares the counts
with what the scenario's own objects and parameters make Bookinfo do: an exact two-sided binomial test per
outcome, Bonferroni-corrected to a 1% significance overall; outcomes expected never or always are decided
exactly (one v2 under all-v1 is a mismatch).

Defaults: --url is the stack output productpageUrl and the scenario and its parameters are the stack's
configuration, both read with the Pulumi CLI (the configuration falls back on Pulumi.yaml and
Pulumi.<stack>.yaml, stack dev, without it). --scenario replaces the configured scenario; its parameters
still come from the stack.

Exit status: 0 the traffic matches the scenario; 1 it does not (or logging in failed); 2 the check could not
run (bad flags or configuration, no URL, the gateway unreachable); 3 the scenario cannot be checked from
outside the cluster: the commands that check it from inside are printed instead.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from urllib.parse import urlsplit

from model.config import ConfigError
from model.mesh import port_forward_command
from scenarios.catalog import CATALOG, plan_for
from tools.preview.stack_config import UsageError, typed_settings
from tools.verify.checks import CHECKS, InCluster, Options
from tools.verify.clients import Endpoint, LoginError, address, unreachable
from tools.verify.facts import BOOKINFO, BookinfoFacts
from tools.verify.report import in_cluster_document, in_cluster_text, print_verdict, progress_bar, verdict_document
from tools.verify.run import observe
from tools.verify.stack import StackError, product_page_url, stack_config
from tools.verify.stats import judge

MATCHES, MISMATCH, CANNOT_RUN, NOT_VERIFIABLE = 0, 1, 2, 3


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return int(text)


def parse_arguments(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tools.verify", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--url", help="the product page, e.g. http://203.0.113.10/productpage (default: stack output productpageUrl)"
    )
    parser.add_argument(
        "--scenario", choices=tuple(CATALOG), metavar="NAME", help="the scenario to expect (default: the stack's)"
    )
    parser.add_argument(
        "--stack", help="the Pulumi stack to read (default: the selected one; dev without the Pulumi CLI)"
    )
    parser.add_argument(
        "--requests", type=_positive, default=100, metavar="N", help="requests per kind of client (default: 100)"
    )
    parser.add_argument(
        "--concurrency",
        type=_positive,
        default=1,
        metavar="C",
        help="requests in flight at once (default: 1; more is faster with slow scenarios such as fault-delay)",
    )
    parser.add_argument(
        "--tcp-port", type=_positive, metavar="PORT", help="TCP port of the gateway (default: the Gateway's, 31400)"
    )
    parser.add_argument(
        "--header-value",
        metavar="VALUE",
        help="header-routing: a header value matching headerRegex (default: a Firefox user agent)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document and no progress bar")
    return parser.parse_args(argv)


def _cannot_run(message: object) -> int:
    print(f"error: {message}", file=sys.stderr)
    return CANNOT_RUN


def main(argv: Sequence[str] | None = None, facts: BookinfoFacts = BOOKINFO) -> int:
    """Runs the check; `facts` are Bookinfo's timeouts (tests scale them down)."""
    arguments = parse_arguments(sys.argv[1:] if argv is None else argv)
    try:
        config, source = stack_config(arguments.stack)
        chosen = typed_settings(config, arguments.scenario)
        plan = plan_for(chosen)
        check = CHECKS[chosen.scenario](plan, chosen.parameters, Options(facts, arguments.header_value))
    except (ConfigError, UsageError) as error:
        return _cannot_run(error)
    print(f"note: scenario {chosen.scenario} and its parameters from {source}", file=sys.stderr)

    if isinstance(check, InCluster):
        print(
            json.dumps(in_cluster_document(chosen.scenario, check), indent=2)
            if arguments.json
            else in_cluster_text(chosen.scenario, check)
        )
        return NOT_VERIFIABLE

    try:
        url = arguments.url or product_page_url(arguments.stack)
    except StackError as error:
        return _cannot_run(
            f"cannot read the stack output productpageUrl ({error}); pass --url http://INGRESS_IP/productpage"
        )
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
        return _cannot_run(f"--url: {url!r} is not an http(s) URL; pass e.g. --url http://INGRESS_IP/productpage")
    endpoint = Endpoint(url, arguments.tcp_port)
    for host, port in sorted({address(probe.visit, endpoint) for probe in check}):
        problem = unreachable(host, port)
        if problem:
            hint = (
                "check --url and that the stack is up"
                if chosen.target.load_balancer
                else f"the ingress gateway has no external address: run `{port_forward_command(chosen.target.kube_context, chosen.target.kubeconfig)}`"
                " (the stack output productpagePortForward) first"
            )
            return _cannot_run(f"cannot reach {host}:{port} ({problem}); {hint}")

    try:
        if arguments.json:
            observations = observe(check, endpoint, arguments.requests, arguments.concurrency)
        else:
            with progress_bar(check, arguments.requests) as advance:
                observations = observe(check, endpoint, arguments.requests, arguments.concurrency, advance)
    except LoginError as error:
        print(f"mismatch: {error}", file=sys.stderr)
        if arguments.json:
            print(
                json.dumps({"scenario": chosen.scenario, "url": url, "matches": False, "error": str(error)}, indent=2)
            )
        return MISMATCH

    verdict = judge([(probe.name, probe.expected, seen) for probe, seen in zip(check, observations, strict=True)])
    if arguments.json:
        print(json.dumps(verdict_document(chosen.scenario, url, arguments.requests, verdict), indent=2))
    else:
        print_verdict(chosen.scenario, url, verdict)
    return MATCHES if verdict.matches else MISMATCH


if __name__ == "__main__":
    sys.exit(main())
