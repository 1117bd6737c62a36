"""Istio's Helm charts for the end-to-end run, packaged from the `istio.io/istio` Go module and served on 127.0.0.1.

The module (the release-1.30 branch at tools/upstream.py ISTIO_MODULE) holds the charts' sources with
`version: 1.0.0` and the test hub; Istio's release builder stamps the version and the release hub at
build time. Packaging does the same: Chart.yaml's version and appVersion become the pinned Istio version,
and the global hub and tag become the release's (docker.io/istio, that version). The packaged charts and a
Helm `index.yaml` are served by a plain HTTP server bound to 127.0.0.1, which `chartMirror` names.
"""

from __future__ import annotations

import hashlib
import http.server
import io
import shutil
import tarfile
import threading
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import yaml

from model.versions import GRAFANA_CHART, ISTIO_HUB, KIALI_CHART, PROMETHEUS_CHART
from tools import upstream
from tools.preview.stack_config import ROOT

# The add-on charts at the pinned versions, packaged from their source repositories (no chart repository is
# reachable here), beside the clone; without them the run installs no Prometheus, Grafana or Kiali.
SHARED_CHARTS = ROOT.parent / "shared" / "charts"
ADDON_CHARTS = (PROMETHEUS_CHART, GRAFANA_CHART, KIALI_CHART)

# Chart name -> directory under the module's manifests/charts.
CHARTS = {
    "base": "base",
    "istiod": "istio-control/istio-discovery",
    "gateway": "gateway",
    "cni": "istio-cni",
    "ztunnel": "ztunnel",
}
TEST_HUB_LINE = "hub: registry.istio.io/testing"
TEST_TAG_LINE = "tag: latest"


def stamped_values(text: str, version: str) -> str:
    """values.yaml with the release hub and tag in place of the source tree's test ones."""
    return text.replace(TEST_HUB_LINE, f"hub: {ISTIO_HUB}").replace(TEST_TAG_LINE, f"tag: {version}")


def package(source: Path, name: str, version: str, out: Path) -> Path:
    """`helm package` by hand: a gzipped tar of the chart under `<name>/`, stamped with `version`."""
    archive = out / f"{name}-{version}.tgz"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", format=tarfile.PAX_FORMAT) as tar:
        for path in sorted(p for p in source.rglob("*") if p.is_file()):
            relative = path.relative_to(source).as_posix()
            data = path.read_bytes()
            if relative == "Chart.yaml":
                chart = yaml.safe_load(data)
                chart.update(version=version, appVersion=version)
                data = yaml.safe_dump(chart, sort_keys=False).encode()
            elif relative == "values.yaml":
                data = stamped_values(data.decode(), version).encode()
            info = tarfile.TarInfo(f"{name}/{relative}")
            info.size, info.mode, info.mtime = len(data), 0o644, 0
            tar.addfile(info, io.BytesIO(data))
    archive.write_bytes(buffer.getvalue())
    return archive


def addon_archives() -> list[Path]:
    """The add-on charts' archives beside the clone, each at the version the stack pins; none if any is missing."""
    archives = [SHARED_CHARTS / f"{chart.name}-{chart.version}.tgz" for chart in ADDON_CHARTS]
    return archives if all(archive.is_file() for archive in archives) else []


def write_repository(out: Path, version: str) -> list[str]:
    """Packages Istio's charts into `out` beside the add-on charts, if there are any, with one Helm repository index;
    returns the chart names."""
    module = upstream.module_dir()
    out.mkdir(parents=True, exist_ok=True)
    entries: dict[str, list[dict[str, Any]]] = {}
    for name, directory in CHARTS.items():
        archive = package(module / "manifests" / "charts" / directory, name, version, out)
        chart = yaml.safe_load((module / "manifests" / "charts" / directory / "Chart.yaml").read_text())
        entries[name] = [
            {
                "apiVersion": chart.get("apiVersion", "v2"),
                "name": name,
                "version": version,
                "appVersion": version,
                "description": chart.get("description", ""),
                "digest": hashlib.sha256(archive.read_bytes()).hexdigest(),
                "urls": [archive.name],
                "created": "2026-08-26T21:40:18Z",
            }
        ]
    archives = addon_archives()
    if archives:
        shared = yaml.safe_load((SHARED_CHARTS / "index.yaml").read_text())["entries"]
        for chart, archive in zip(ADDON_CHARTS, archives, strict=True):
            shutil.copy(archive, out / archive.name)
            entries[chart.name] = [entry for entry in shared[chart.name] if entry["version"] == chart.version]
    index = {"apiVersion": "v1", "entries": entries, "generated": "2026-08-26T21:40:18Z"}
    (out / "index.yaml").write_text(yaml.safe_dump(index, sort_keys=True))
    return list(entries)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@dataclass
class ChartServer:
    """A Helm repository over HTTP on 127.0.0.1 (a free port), serving one directory."""

    directory: Path
    server: http.server.ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> ChartServer:
        handler = partial(_QuietHandler, directory=str(self.directory))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
