"""The verifier's defaults: URL and configuration from the Pulumi CLI (a fake one here), the stack files without it."""

from __future__ import annotations

import json
import os
import stat

import pytest

from tests.standins import ProductPageStandIn, Reply
from tools.preview.stack_config import typed_settings
from tools.verify import __main__ as verify
from tools.verify.stack import StackError, product_page_url, stack_config

CONFIG = {
    "gcp:zone": {"value": "europe-west4-b", "secret": False},
    "istio-demo:scenario": {"value": "traffic-shifting", "secret": False},
    "istio-demo:reviewsWeights": {"value": "v1=80,v2=20", "secret": False},
    "istio-demo:apiToken": {"secret": True},
}


def fake_pulumi(
    directory, monkeypatch, url: str = "http://203.0.113.10/productpage", fail: bool = False
) -> list[list[str]]:
    """Puts a `pulumi` on PATH that answers `stack output productpageUrl` and `config --json` (or fails); returns
    the argument lists it was called with."""
    log = directory / "calls"
    script = directory / "pulumi"
    answers = f"""case "$1 $2" in
  "stack output") echo '{url}' ;;
  "config --json") cat <<'JSON'
{json.dumps(CONFIG)}
JSON
  ;;
esac"""
    script.write_text(
        "#!/bin/sh\n"
        f'echo "$@" >> "{log}"\n'
        + ("echo \"error: no stack named 'dev' found\" >&2\nexit 255\n" if fail else answers + "\n")
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{directory}{os.pathsep}{os.environ['PATH']}")
    return log


def test_url_and_configuration_come_from_the_stack(tmp_path, monkeypatch):
    log = fake_pulumi(tmp_path, monkeypatch)
    assert product_page_url("prod") == "http://203.0.113.10/productpage"
    config, source = stack_config("prod")
    assert source == "the configuration of stack prod"
    chosen = typed_settings(config, None)
    assert (chosen.scenario, chosen.parameters.reviews_weights, chosen.cluster.zone) == (
        "traffic-shifting",
        (("v1", 80), ("v2", 20)),
        "europe-west4-b",
    )
    assert chosen.parameters.user == "jason"  # not set in the stack: Pulumi.yaml's default
    assert typed_settings(config, "all-v1").scenario == "all-v1"
    assert log.read_text().splitlines() == ["stack output productpageUrl --stack prod", "config --json --stack prod"]


def test_a_failing_cli_gives_no_url_and_the_dev_stack_files(tmp_path, monkeypatch):
    fake_pulumi(tmp_path, monkeypatch, fail=True)
    with pytest.raises(
        StackError, match=r"^`pulumi stack output productpageUrl` failed: error: no stack named 'dev' found$"
    ):
        product_page_url(None)
    config, source = stack_config(None)
    assert (
        source == "Pulumi.yaml and Pulumi.dev.yaml (`pulumi config --json` failed: error: no stack named 'dev' found)"
    )
    assert typed_settings(config, None).scenario == "round-robin"


def test_the_verifier_honours_the_stacks_weights_and_url(tmp_path, monkeypatch, capsys):
    with ProductPageStandIn({"anonymous": [Reply("v1")] * 4 + [Reply("v2")]}) as stand_in:
        fake_pulumi(tmp_path, monkeypatch, url=stand_in.url)
        assert verify.main(["--requests", "50", "--json"]) == 0
        document = json.loads(capsys.readouterr().out)
        assert verify.main(["--requests", "50", "--json", "--scenario", "all-v1"]) == 1
    assert (document["scenario"], document["url"]) == ("traffic-shifting", stand_in.url)
    assert [(row["outcome"], row["expected"], row["observed"]) for row in document["rows"]] == [
        ("v1", 0.8, 40),
        ("v2", 0.2, 10),
    ]
