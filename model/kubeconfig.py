"""The contexts of the kubeconfig the stack's provider reads, found as kubectl finds it, so that a `kubeContext` the
file does not have (a typo, or a cluster deleted with its context) is refused before anything is declared: the
provider would otherwise plan to replace every object of the stack onto a cluster that is not there."""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping
from pathlib import Path

from model.yaml_safe import safe_load

# The environment the lookup reads: the process's ($KUBECONFIG, $HOME); the unit suite gives it one without files.
ENVIRONMENT: Mapping[str, str] = os.environ


def kubeconfig_files(kubeconfig: str | None, environ: Mapping[str, str]) -> list[Path]:
    """The stack's `kubeconfig` file, or else kubectl's: each file $KUBECONFIG lists, or ~/.kube/config."""
    if kubeconfig:
        return [Path(kubeconfig).expanduser()]
    listed = [Path(name) for name in environ.get("KUBECONFIG", "").split(os.pathsep) if name]
    home = Path(environ["HOME"]) if "HOME" in environ else Path.home()
    return listed or [home / ".kube" / "config"]


def contexts(files: list[Path]) -> set[str] | None:
    """The context names the files define, or None when none of them exists (the provider then says so itself)."""
    found: set[str] | None = None
    for path in files:
        if not path.is_file():
            continue
        document = safe_load(path.read_text()) or {}
        entries = (document.get("contexts") or []) if isinstance(document, dict) else []
        found = (found or set()) | {entry["name"] for entry in entries if isinstance(entry, dict) and "name" in entry}
    return found


def missing_context(context: str, kubeconfig: str | None, environ: Mapping[str, str] | None = None) -> str | None:
    """Why `context` cannot be used (the files and the contexts they have), or None if a file has it or none exists."""
    files = kubeconfig_files(kubeconfig, ENVIRONMENT if environ is None else environ)
    known = contexts(files)
    if known is None or context in known:
        return None
    where = ", ".join(str(path) for path in files)
    return f"{context!r} is not a context of {where} (it has: {', '.join(sorted(known)) or 'none'})"


def api_server(context: str, kubeconfig: str | None, environ: Mapping[str, str] | None = None) -> tuple[str, str]:
    """The address and CA (base64 PEM) of the API server `context` names, as the files define them; ValueError when no
    file has the context or its cluster, or the cluster has no CA to give."""
    documents = [
        document
        for path in kubeconfig_files(kubeconfig, ENVIRONMENT if environ is None else environ)
        if path.is_file() and isinstance(document := safe_load(path.read_text()), dict)
    ]
    entry = next(
        (c for d in documents for c in d.get("contexts") or [] if isinstance(c, dict) and c.get("name") == context),
        None,
    )
    cluster_name = ((entry or {}).get("context") or {}).get("cluster")
    cluster = next(
        (
            c.get("cluster") or {}
            for d in documents
            for c in d.get("clusters") or []
            if isinstance(c, dict) and c.get("name") == cluster_name
        ),
        None,
    )
    if cluster is None or not cluster.get("server"):
        raise ValueError(f"the kubeconfig defines no cluster with a server for context {context!r}")
    if cluster.get("certificate-authority-data"):
        return cluster["server"], cluster["certificate-authority-data"]
    if cluster.get("certificate-authority"):
        return cluster["server"], base64.b64encode(Path(cluster["certificate-authority"]).read_bytes()).decode()
    raise ValueError(f"the cluster of context {context!r} has no certificate-authority(-data) to trust")
