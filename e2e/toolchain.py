"""Builds the end-to-end run's tools from the Go module proxy into a cache outside the repository.

    python -m e2e.toolchain          # build what is missing, print what was built and how long it took

Each tool lands in `<cache>/tools/<name>-<version>/` and is built only when that directory lacks its
`build.json`, so a second run builds nothing. Two builds run at a time: one compiles while the other
downloads. The cache is `$ISTIO_DEMO_E2E_CACHE`, else `$XDG_CACHE_HOME/istio-demo/e2e`, else
`~/.cache/istio-demo/e2e`; Go's own module and build caches are used as they are.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from e2e import versions
from tools.gomod import GoModuleError, module_dir
from tools.preview.stack_config import ROOT
from tools.upstream import ISTIO_MODULE

# Sources that no registry here serves, beside the clone (../shared/tools): Pulumi's Python language host and the
# pulumi-random provider. Without them the run does without the CLI's `pulumi up` and the Grafana password.
SHARED_TOOLS = ROOT.parent / "shared" / "tools"


def cache_root() -> Path:
    explicit = os.environ.get("ISTIO_DEMO_E2E_CACHE")
    if explicit:
        return Path(explicit)
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "istio-demo" / "e2e"


class BuildError(RuntimeError):
    """A tool could not be built; the message names the tool and the failing command."""


@dataclass(frozen=True)
class Tool:
    name: str
    source: str  # the Go module and version the binaries are built from, as the report records it
    binaries: tuple[str, ...]
    build: Callable[[Path, Path], None]  # (scratch directory, bin directory)
    needs: Path | None = None  # a source folder beside the clone that the tool is built from, if any

    @property
    def available(self) -> bool:
        return self.needs is None or self.needs.is_dir()

    @property
    def directory(self) -> Path:
        return cache_root() / "tools" / f"{self.name}-{self.source.rsplit('@', 1)[1]}"

    def path(self, binary: str) -> Path:
        return self.directory / "bin" / binary

    @property
    def built(self) -> bool:
        return (self.directory / "build.json").is_file() and all(self.path(b).is_file() for b in self.binaries)


def go(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    command = ["go", *args]
    result = subprocess.run(
        command,
        cwd=cwd,
        env={**os.environ, "CGO_ENABLED": "0", "GOFLAGS": "-mod=mod", **(env or {})},
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BuildError(f"`{' '.join(command)}` in {cwd} failed:\n{result.stderr[-4000:]}")
    return result.stdout


def scratch_module(scratch: Path, requires: dict[str, str], replaces: dict[str, str] | None = None) -> None:
    """A throwaway main module that requires (and replaces) modules at exact versions."""
    go(["mod", "init", "istio-demo-e2e-toolchain"], scratch)
    edits = [f"-require={module}@{version}" for module, version in requires.items()]
    edits += [f"-replace={module}={module}@{version}" for module, version in (replaces or {}).items()]
    go(["mod", "edit", *edits], scratch)


def build_pulumi(scratch: Path, bin_dir: Path) -> None:
    version = versions.PULUMI
    scratch_module(scratch, {"github.com/pulumi/pulumi/pkg/v3": version})
    package = "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
    go(["get", f"{package}@{version}"], scratch)
    ldflags = f"-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version={version}"
    go(["build", "-ldflags", ldflags, "-o", str(bin_dir / "pulumi"), package], scratch)


def build_kubernetes(scratch: Path, bin_dir: Path) -> None:
    """The control plane and kubectl; the staging modules the source tree replaces locally come from the proxy."""
    version = versions.KUBERNETES
    source = module_dir("k8s.io/kubernetes", version, scratch)
    staging_version = "v0" + version[2:]  # v1.35.4 -> v0.35.4
    staging = [
        line.split("=>")[0].split()[-1]
        for line in (source / "go.mod").read_text().splitlines()
        if "=> ./staging/src/" in line
    ]
    scratch_module(scratch, {"k8s.io/kubernetes": version}, {module: staging_version for module in staging})
    major, minor = version[1:].split(".")[:2]
    stamps = {
        "k8s.io/component-base/version": version,
        "k8s.io/client-go/pkg/version": version,
    }
    ldflags = ["-s", "-w"]
    for package, git_version in stamps.items():
        ldflags += [
            f"-X {package}.gitVersion={git_version}",
            f"-X {package}.gitMajor={major}",
            f"-X {package}.gitMinor={minor}",
            f"-X {package}.gitTreeState=clean",
        ]
    commands = [
        f"k8s.io/kubernetes/cmd/{name}"
        for name in ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl")
    ]
    go(["get", *(f"{command}@{version}" for command in commands)], scratch)
    go(["build", "-ldflags", " ".join(ldflags), "-o", str(bin_dir) + "/", *commands], scratch)


def build_etcd(scratch: Path, bin_dir: Path) -> None:
    scratch_module(scratch, {"go.etcd.io/etcd/server/v3": versions.ETCD})
    go(["get", f"go.etcd.io/etcd/server/v3@{versions.ETCD}"], scratch)
    go(["build", "-ldflags", "-s -w", "-o", str(bin_dir / "etcd"), "go.etcd.io/etcd/server/v3"], scratch)


def build_kwok(scratch: Path, bin_dir: Path) -> None:
    ldflags = f"-s -w -X sigs.k8s.io/kwok/pkg/consts.Version={versions.KWOK}"
    go(
        [
            "install",
            "-ldflags",
            ldflags,
            *(f"sigs.k8s.io/kwok/cmd/{cmd}@{versions.KWOK}" for cmd in ("kwok", "kwokctl")),
        ],
        scratch,
        env={"GOBIN": str(bin_dir), "GOFLAGS": ""},
    )


def python_sdk_version(distribution: str) -> str:
    from importlib.metadata import version

    return version(distribution)


def build_kubernetes_provider(scratch: Path, bin_dir: Path) -> None:
    """pulumi-kubernetes' provider, stamped with the version the installed Python SDK asks for."""
    module = "github.com/pulumi/pulumi-kubernetes/provider/v4"
    source = module_dir(module, versions.PULUMI_KUBERNETES_PROVIDER, scratch)
    tree = writable_copy(source, scratch / "provider")
    sdk = "github.com/pulumi/pulumi-kubernetes/sdk/v4"
    go(["mod", "edit", f"-dropreplace={sdk}", f"-require={sdk}@{versions.PULUMI_KUBERNETES_PROVIDER_SDK}"], tree)
    sdk_version = python_sdk_version("pulumi-kubernetes")
    command_dir = tree / "cmd" / "pulumi-resource-kubernetes"
    go(["run", "generate.go"], command_dir, env={"VERSION": sdk_version})
    ldflags = f"-s -w -X {module}/pkg/version.Version={sdk_version}"
    go(
        [
            "build",
            "-ldflags",
            ldflags,
            "-o",
            str(bin_dir / "pulumi-resource-kubernetes"),
            "./cmd/pulumi-resource-kubernetes",
        ],
        tree,
    )


# The run's own Go sources (e2e/go): the agentgateway stand-in, and xdsdump, which asks istiod over xDS (with
# Istio's own ADS client, pkg/adsc) for the configuration one proxy would receive; built inside the Istio module.
GO_SOURCES = Path(__file__).resolve().parent / "go"
XDSDUMP = "tools/istio-demo/xdsdump"  # where xdsdump is placed in the module's copy (the binary takes its name)
ISTIO_COMMANDS = (
    "istio.io/istio/istioctl/cmd/istioctl",
    "istio.io/istio/pilot/cmd/pilot-discovery",
    f"istio.io/istio/{XDSDUMP}",
)
# istiod's bootstrap imports Istio's agentgateway integration, whose API module the proxy does not serve at the pinned
# version; that integration runs only with PILOT_ENABLE_AGENTGATEWAY (off by default), so the build replaces the
# package with a stand-in of the same API (e2e/go/agentgateway.go) and the API module with an empty one.
AGENTGATEWAY_PACKAGE = "pilot/pkg/config/kube/agentgateway"
AGENTGATEWAY_API = "github.com/agentgateway/agentgateway/api"
AGENTGATEWAY_STUB = GO_SOURCES / "agentgateway.go"


def build_istio(scratch: Path, bin_dir: Path) -> None:
    """istioctl, istiod (pilot-discovery) and xdsdump from the Istio module, in one build (they share most
    packages): a copy of the module with the agentgateway stand-in and xdsdump, in a scratch module with the served
    replacements of the branch's unserved pins."""
    tree = writable_copy(module_dir("istio.io/istio", ISTIO_MODULE, scratch), scratch / "istio")
    stubbed = tree / AGENTGATEWAY_PACKAGE
    shutil.rmtree(stubbed)
    stubbed.mkdir()
    shutil.copy(AGENTGATEWAY_STUB, stubbed / "stub.go")
    shutil.copytree(GO_SOURCES / "xdsdump", tree / XDSDUMP)
    empty = scratch / "agentgateway-api"
    empty.mkdir()
    (empty / "go.mod").write_text(f"module {AGENTGATEWAY_API}\n\ngo 1.25\n")
    main = scratch / "main"
    main.mkdir()
    scratch_module(main, {"istio.io/istio": ISTIO_MODULE}, versions.ISTIO_REPLACEMENTS)
    go(["mod", "edit", f"-replace=istio.io/istio={tree}", f"-replace={AGENTGATEWAY_API}={empty}"], main)
    go(["get", *ISTIO_COMMANDS], main)
    stamp = f"1.30-dev+{ISTIO_MODULE.rsplit('-', 1)[1]}"
    ldflags = (
        f"-s -w -X istio.io/istio/pkg/version.buildVersion={stamp} -X istio.io/istio/pkg/version.buildStatus=Clean"
    )
    go(["build", "-ldflags", ldflags, "-o", f"{bin_dir}/", *ISTIO_COMMANDS], main)


def source_digest(folder: Path) -> str:
    """A short digest of every file under `folder`, so that a changed source is built again."""
    digest = hashlib.sha256()
    if folder.is_dir():
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def writable_copy(source: Path, into: Path) -> Path:
    shutil.copytree(source, into)
    for path in [into, *into.rglob("*")]:
        path.chmod(path.stat().st_mode | 0o200)
    return into


def build_language_host(scratch: Path, bin_dir: Path) -> None:
    """Pulumi's Python language host and its exec script (the README's build, without -trimpath so that the Pulumi
    CLI's compiled packages in Go's build cache serve it too)."""
    tree = writable_copy(SHARED_TOOLS / "pulumi-language-python", scratch / "host")
    go(["build", "-ldflags", "-s -w", "-o", str(bin_dir / "pulumi-language-python"), "."], tree)
    exec_script = bin_dir / "pulumi-language-python-exec"
    shutil.copy(tree / "pulumi-language-python-exec", exec_script)
    exec_script.chmod(0o755)


def build_random_provider(scratch: Path, bin_dir: Path) -> None:
    """pulumi-random's provider, stamped with the version the installed Python SDK asks for."""
    tree = writable_copy(SHARED_TOOLS / "pulumi-random-provider", scratch / "provider")
    sdk_version = python_sdk_version("pulumi-random")
    go(["run", "generate.go"], tree / "cmd" / "pulumi-resource-random", env={"VERSION": sdk_version})
    ldflags = f"-s -w -X github.com/pulumi/pulumi-random/provider/v4/pkg/version.Version={sdk_version}"
    go(
        ["build", "-ldflags", ldflags, "-o", str(bin_dir / "pulumi-resource-random"), "./cmd/pulumi-resource-random"],
        tree,
    )


def provider_source() -> str:
    return f"github.com/pulumi/pulumi-kubernetes/provider/v4@{versions.PULUMI_KUBERNETES_PROVIDER}"


def shared_source(name: str) -> str:
    return f"../shared/tools/{name}@{source_digest(SHARED_TOOLS / name)}"


# In build order, two at a time, the long ones first; the language host after the Pulumi CLI, whose compiled packages
# it shares (it starts when the first of the three before it is done, and the CLI is the shortest of them).
TOOLS = {
    tool.name: tool
    for tool in (
        Tool(
            "kubernetes",
            f"k8s.io/kubernetes@{versions.KUBERNETES}",
            ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl"),
            build_kubernetes,
        ),
        Tool("pulumi", f"github.com/pulumi/pulumi/pkg/v3@{versions.PULUMI}", ("pulumi",), build_pulumi),
        Tool(
            "pulumi-resource-kubernetes", provider_source(), ("pulumi-resource-kubernetes",), build_kubernetes_provider
        ),
        Tool(
            "pulumi-language-python",
            shared_source("pulumi-language-python"),
            ("pulumi-language-python", "pulumi-language-python-exec"),
            build_language_host,
            needs=SHARED_TOOLS / "pulumi-language-python",
        ),
        Tool(
            "istio",
            f"istio.io/istio@{ISTIO_MODULE}+{source_digest(GO_SOURCES)}",
            ("istioctl", "pilot-discovery", "xdsdump"),
            build_istio,
        ),
        Tool(
            "pulumi-resource-random",
            shared_source("pulumi-random-provider"),
            ("pulumi-resource-random",),
            build_random_provider,
            needs=SHARED_TOOLS / "pulumi-random-provider",
        ),
        Tool("etcd", f"go.etcd.io/etcd/server/v3@{versions.ETCD}", ("etcd",), build_etcd),
        Tool("kwok", f"sigs.k8s.io/kwok@{versions.KWOK}", ("kwok", "kwokctl"), build_kwok),
    )
}


def build(tool: Tool) -> float:
    """Builds `tool` unless cached; returns the seconds it took (0 when cached)."""
    if tool.built:
        return 0.0
    started = time.monotonic()
    scratch = tool.directory.with_name(tool.directory.name + ".scratch")
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.rmtree(tool.directory, ignore_errors=True)
    scratch.mkdir(parents=True)
    (tool.directory / "bin").mkdir(parents=True)
    tool.build(scratch, tool.directory / "bin")
    seconds = round(time.monotonic() - started, 1)
    record = {"source": tool.source, "binaries": list(tool.binaries), "seconds": seconds}
    (tool.directory / "build.json").write_text(json.dumps(record, indent=2) + "\n")
    shutil.rmtree(scratch, ignore_errors=True)
    return seconds


def ensure_all(log: Callable[[str], None] = print) -> dict[str, float]:
    """Builds every missing tool, two at a time; returns seconds per tool (0 = cached)."""
    if shutil.which("go") is None:
        raise BuildError("the end-to-end run builds its tools with Go: install Go 1.25 or newer and put `go` on PATH")
    unavailable = [tool for tool in TOOLS.values() if not tool.available]
    if unavailable:
        log(
            f"no {', '.join(str(tool.needs) for tool in unavailable)}: the run goes without"
            f" {', '.join(tool.name for tool in unavailable)} (see docs/end-to-end.md)"
        )
    wanted = {name: tool for name, tool in TOOLS.items() if tool.available}
    missing = [tool for tool in wanted.values() if not tool.built]
    if missing:
        log(f"building {', '.join(tool.name for tool in missing)} into {cache_root() / 'tools'} (cold: 30 to 55 min)")
    seconds: dict[str, float] = {}
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {name: pool.submit(build, tool) for name, tool in wanted.items()}
        for name, future in futures.items():
            seconds[name] = future.result()
            log(
                f"  {name:<28} {TOOLS[name].source:<80} {'cached' if not seconds[name] else f'built in {seconds[name]:.0f} s'}"
            )
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m e2e.toolchain", description=__doc__.split("\n\n")[0])
    parser.parse_args(argv)
    try:
        ensure_all()
    except (BuildError, GoModuleError) as error:
        print(f"error: toolchain: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
