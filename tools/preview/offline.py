"""Runs the real `__main__.py` under Pulumi's mocks and records what `pulumi up` would declare.

The mocks stand in for the cloud: they answer every resource with its inputs plus deterministic values
for what GCP or Kubernetes would compute (endpoint, CA, ingress IP from 203.0.113.0/24, a generated
password), and every provider function with deterministic results (the client config's project), so no input
is lost to an unknown output. Secrets, like the generated password, are masked in the plan.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import runpy
import signal
import sys
import threading
from collections.abc import Generator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from google.protobuf import json_format, struct_pb2

from model.settings import SECOND_CLUSTER_SUFFIX
from model.versions import GATEWAY_API_VERSION
from tools.preview import configfiles, sdk

SECRET = "[secret]"

CLUSTER_ENDPOINT = "203.0.113.1"
SECOND_CLUSTER_ENDPOINT = "203.0.113.2"
# The pod ranges GKE allocates each cluster of one network, distinct (a /14 each, as GKE's default).
POD_RANGES = ("10.4.0.0/14", "10.8.0.0/14")
INGRESS_IP = "203.0.113.10"
MOCK_PROJECT = "mock-project"
MOCK_CLUSTER_CA = base64.b64encode(b"mock-cluster-ca").decode()
# The access token `gcp.organizations.get_client_config` also returns: it must never reach the plan.
MOCK_ACCESS_TOKEN = "mock-access-token-must-stay-secret"
CLIENT_CONFIG = "gcp:organizations/getClientConfig:getClientConfig"
ENGINE_VERSIONS = "gcp:container/getEngineVersions:getEngineVersions"
# What GKE's release channels create, as the mocks answer: REGULAR's default of GKE's release notes (2026-09-17)
# for every channel, so a preview refuses no channel for a version it cannot know.
MOCK_GKE_VERSION = "1.35.8-gke.1036000"
CRD = "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition"


def synthetic_password(name: str, length: int) -> str:
    """The `result` the mocks give a RandomPassword: derived from its logical name, so runs are identical."""
    return hashlib.sha256(f"synthetic-password:{name}".encode()).hexdigest()[:length]


def synthetic_bytes(name: str, length: int) -> bytes:
    """The bytes the mocks give a RandomBytes: derived from its logical name, so runs are identical."""
    return hashlib.shake_256(f"synthetic-bytes:{name}".encode()).digest(length)


def synthetic_token(name: str) -> str:
    """The `data.token` (base64, as a Secret's data is) the token controller writes into a service-account-token
    Secret."""
    return base64.b64encode(f"synthetic-token:{name}".encode()).decode()


@dataclass
class Registration:
    urn: str
    type: str
    name: str
    parent: str | None
    provider: str | None
    depends_on: list[str]
    inputs: dict[str, Any]
    read: bool = False
    deleted_with: str | None = None
    retain_on_delete: bool = False
    secret_outputs: list[str] = field(default_factory=list)
    ignore_changes: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)  # the URNs the resource had before, as aliases name them


@dataclass
class Run:
    project: str
    stack: str
    resources: list[Registration] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


class _Collector(logging.Handler):
    """Keeps the warnings the program logs through the engine (`pulumi.log.warn`)."""

    def __init__(self, run: Run) -> None:
        super().__init__(logging.WARNING)
        self.run = run

    def emit(self, record: logging.LogRecord) -> None:
        self.run.warnings.append(record.getMessage())


def masked(secret: Any) -> Any:
    """A secret's shape without its content: a mapping keeps its keys (as `kubectl describe secret` does),
    so a masked Secret's data is still a valid manifest."""
    if isinstance(secret, dict):
        return {key: SECRET for key in secret}
    return SECRET


def plain(value: Any) -> Any:
    """Protobuf-JSON property values made plain: secrets masked, references as URNs, whole floats as ints."""
    if isinstance(value, dict):
        if value.get(sdk.SIGNATURE_KEY) == sdk.SECRET_SIGNATURE:
            return masked(value.get("value"))
        if value.get(sdk.SIGNATURE_KEY) == sdk.RESOURCE_SIGNATURE:
            return value["urn"]
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if value == sdk.UNKNOWN:
        raise ValueError("an input is unknown under the mocks; synthesise the output it depends on")
    return value


def provider_urn(reference: str) -> str | None:
    """A provider reference is `<urn>::<id>`; the plan keeps the URN."""
    return reference.rsplit("::", 1)[0] if reference else None


class SyntheticCloud(sdk.Mocks):
    """Answers each resource with its inputs plus the values the cloud would compute, deterministically."""

    def new_resource(self, args: sdk.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        outputs = dict(args.inputs)
        resource_id = args.resource_id or f"{args.name}-id"
        if args.typ == "gcp:container/cluster:Cluster":
            project = outputs.setdefault("project", MOCK_PROJECT)
            resource_id = f"projects/{project}/locations/{outputs['location']}/clusters/{outputs['name']}"
            second = outputs["name"].endswith(SECOND_CLUSTER_SUFFIX)
            outputs["endpoint"] = SECOND_CLUSTER_ENDPOINT if second else CLUSTER_ENDPOINT
            outputs["clusterIpv4Cidr"] = POD_RANGES[1 if second else 0]
            outputs["masterAuth"] = {**outputs.get("masterAuth", {}), "clusterCaCertificate": MOCK_CLUSTER_CA}
            if "fleet" in outputs:  # GKE names the membership after the cluster, in the cluster's region
                region = outputs["location"].rsplit("-", 1)[0]
                outputs["fleet"] = {**outputs["fleet"], "membershipId": outputs["name"], "membershipLocation": region}
        elif args.typ == "gcp:serviceaccount/account:Account":
            project = outputs.get("project") or MOCK_PROJECT
            outputs["email"] = f"{outputs['accountId']}@{project}.iam.gserviceaccount.com"
        elif args.typ == "kubernetes:helm.sh/v3:Release":
            outputs["status"] = {"name": outputs["name"], "namespace": outputs["namespace"], "status": "deployed"}
        elif args.typ == "random:index/randomPassword:RandomPassword":
            outputs["result"] = synthetic_password(args.name, int(outputs["length"]))
        elif args.typ == "random:index/randomBytes:RandomBytes":
            seed = synthetic_bytes(args.name, int(outputs["length"]))
            outputs.update(base64=base64.b64encode(seed).decode(), hex=seed.hex())
        elif args.typ == "kubernetes:core/v1:Secret" and outputs.get("type") == "kubernetes.io/service-account-token":
            outputs["data"] = {"token": synthetic_token(args.name)}
        elif args.typ == "kubernetes:core/v1:Service" and args.resource_id:
            outputs["status"] = {"loadBalancer": {"ingress": [{"ip": INGRESS_IP}]}}
        elif args.typ == CRD and args.resource_id:  # the cluster's own CRD, at the release the stack pins
            annotations = {"gateway.networking.k8s.io/bundle-version": GATEWAY_API_VERSION}
            outputs["metadata"] = {"name": args.resource_id, "annotations": annotations}
        if args.typ.startswith("kubernetes:") and "metadata" in outputs:
            outputs["metadata"] = {"name": args.name, **outputs["metadata"]}
        return resource_id, outputs

    def call(self, args: sdk.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        if args.token == CLIENT_CONFIG:
            return {"id": MOCK_PROJECT, "project": MOCK_PROJECT, "accessToken": MOCK_ACCESS_TOKEN}, []
        if args.token == ENGINE_VERSIONS:
            channels = {channel: MOCK_GKE_VERSION for channel in ("RAPID", "REGULAR", "STABLE")}
            return {
                "releaseChannelDefaultVersion": channels,
                "releaseChannelLatestVersion": channels,
                "defaultClusterVersion": MOCK_GKE_VERSION,
                "latestMasterVersion": MOCK_GKE_VERSION,
                "latestNodeVersion": MOCK_GKE_VERSION,
            }, []
        return {}, []


class RecordingMonitor(sdk.MockMonitor):
    """The mock monitor, also keeping each registration's parent, provider, dependencies and raw inputs."""

    def __init__(self, run: Run) -> None:
        super().__init__(SyntheticCloud())
        self.run = run
        self.aliases: dict[str, list[str]] = {}  # the former URNs of each resource declared so far

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        """URNs as the engine forms them: the parent's whole type chain, the root stack's type left out."""
        if parent:
            parent_type = parent.split("::")[2]
            if parent_type != "pulumi:pulumi:Stack":
                type_ = f"{parent_type}${type_}"
        return f"urn:pulumi:{self.run.stack}::{self.run.project}::{type_}::{name}"

    def RegisterResource(  # ruff: ignore[invalid-function-name] (gRPC method name)
        self, request: sdk.RegisterResourceRequest
    ) -> sdk.RegisterResourceResponse:
        with worker_loop_closed():
            response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            self._record(request, response.urn)
        if request.type == configfiles.CONFIG_FILE:
            self._expand(request, response.urn)
        return response

    def ReadResource(  # ruff: ignore[invalid-function-name] (gRPC method name)
        self, request: sdk.ReadResourceRequest
    ) -> sdk.ReadResourceResponse:
        with worker_loop_closed():
            response = super().ReadResource(request)
        self._record(request, response.urn)
        return response

    def Invoke(  # ruff: ignore[invalid-function-name] (gRPC method name)
        self, request: sdk.ResourceInvokeRequest
    ) -> sdk.InvokeResponse:
        with worker_loop_closed():
            return super().Invoke(request)

    def _alias_urn(self, alias: sdk.Alias, request: sdk.RegisterResourceRequest | sdk.ReadResourceRequest) -> str:
        """The URN an alias names: given whole, or as a spec whose unset parts are the resource's own."""
        if alias.WhichOneof("alias") == "urn":
            return alias.urn
        spec = alias.spec
        parent = "" if spec.noParent else (spec.parentUrn or request.parent)
        return self.make_urn(parent, spec.type or request.type, spec.name or request.name)

    def _answering(self, urn: str, parent: str, own: list[str]) -> list[str]:
        """The former URNs the resource `urn` answers to, as the engine multiplies them out: its own aliases, and under
        each former URN of its parent, itself and each of its own aliases by type and name (a name that begins with
        the parent's name taking the parent's former name instead)."""
        found = set(own)
        parent_name = parent.split("::", 3)[3] if parent else ""
        for former_parent in self.aliases.get(parent, []):
            former_parent_name = former_parent.split("::", 3)[3]
            for former in [urn, *own]:
                type_, name = former.split("::", 3)[2].split("$")[-1], former.split("::", 3)[3]
                if name.startswith(parent_name):
                    name = former_parent_name + name.removeprefix(parent_name)
                found.add(self.make_urn(former_parent, type_, name))
        self.aliases[urn] = sorted(found)
        return self.aliases[urn]

    def _expand(self, request: sdk.RegisterResourceRequest, urn: str) -> None:
        """The ConfigFile's objects, each recorded as the provider would register it, through its transforms."""
        inputs = plain(json_format.MessageToDict(request.object))
        prefix = inputs.get("resourcePrefix") or request.name
        provider = provider_urn(request.providers.get("kubernetes", "") or request.provider)
        for obj in configfiles.objects(inputs["file"]):
            type_, name = configfiles.child_type(obj), configfiles.child_name(prefix, obj)
            props, options = self._transformed(request, urn, type_, name, obj)
            own = [
                alias.urn
                if alias.WhichOneof("alias") == "urn"
                else self.make_urn(alias.spec.parentUrn or urn, alias.spec.type or type_, alias.spec.name or name)
                for alias in options.aliases
            ]
            child_urn = self.make_urn(urn, type_, name)
            aliases = self._answering(child_urn, urn, own)
            self.run.resources.append(
                Registration(
                    urn=child_urn,
                    type=type_,
                    name=name,
                    parent=urn,
                    provider=provider,
                    depends_on=[],
                    inputs=props,
                    retain_on_delete=options.retain_on_delete,
                    aliases=aliases,
                )
            )

    @staticmethod
    def _transformed(
        request: sdk.RegisterResourceRequest, parent: str, type_: str, name: str, obj: dict[str, Any]
    ) -> tuple[dict[str, Any], sdk.TransformResourceOptions]:
        """A child's properties and options after the transforms the program gave its ConfigFile, run by the SDK's
        own callback machinery as the engine runs them."""
        properties = struct_pb2.Struct()
        properties.update(obj)
        options = sdk.TransformResourceOptions()
        for callback in request.transforms:
            transform = sdk.TransformRequest(
                type=type_, name=name, custom=True, parent=parent, properties=properties, options=options
            )
            response = sdk.run_callback(callback.token, transform.SerializeToString())
            properties, options = response.properties, response.options
        return plain(json_format.MessageToDict(properties)), options

    def _record(self, request: sdk.RegisterResourceRequest | sdk.ReadResourceRequest, urn: str) -> None:
        own = [self._alias_urn(alias, request) for alias in getattr(request, "aliases", [])]
        if isinstance(request, sdk.ReadResourceRequest):  # a read answers to no former URN of its parent
            read, raw, aliases = True, request.properties, sorted(own)
        else:
            read, raw, aliases = False, request.object, self._answering(urn, request.parent, own)
        self.run.resources.append(
            Registration(
                urn=urn,
                type=request.type,
                name=request.name,
                parent=request.parent or None,
                provider=provider_urn(request.provider),
                depends_on=sorted(set(getattr(request, "dependencies", []))),
                inputs=plain(json_format.MessageToDict(raw)),
                read=read,
                deleted_with=getattr(request, "deletedWith", "") or None,
                retain_on_delete=bool(getattr(request, "retainOnDelete", False)),
                secret_outputs=sorted(getattr(request, "additionalSecretOutputs", [])),
                ignore_changes=sorted(getattr(request, "ignoreChanges", [])),
                aliases=aliases,
            )
        )


async def _resolve_outputs(run: Run) -> None:
    root = sdk.get_root_resource()
    assert isinstance(root, sdk.Stack)  # registered by run_pulumi_func
    for name, value in sorted(root.outputs.items()):
        output = pulumi.Output.from_input(value)
        resolved = await output.future()
        run.outputs[name] = SECRET if await output.is_secret() else plain(resolved)


@contextmanager
def worker_loop_closed() -> Generator[None, None, None]:
    """Closes, after the block, the event loop the mock monitor makes for the executor thread it runs in (the SDK
    runs each registration on a worker thread and leaves that thread's loop open; see `own_event_loop`)."""
    try:
        yield
    finally:
        if threading.current_thread() is not threading.main_thread():
            loop: asyncio.AbstractEventLoop | None
            try:
                loop = asyncio.get_event_loop_policy().get_event_loop()
            except RuntimeError:  # the block made no loop on this thread
                loop = None
            if loop is not None:
                asyncio.set_event_loop(None)
                loop.close()


@contextmanager
def own_event_loop() -> Generator[asyncio.AbstractEventLoop, None, None]:
    """A fresh event loop, current while the block runs and closed after it. The SDK otherwise uses the thread's
    default loop and never closes it: the garbage collector then closes it at exit, sometimes after its self-pipe
    socket, and Python prints `Exception ignored in ... BaseEventLoop.__del__ ... Invalid file descriptor: -1`."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        yield loop
    except BaseException:
        abandon(loop)
        raise
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        asyncio.set_event_loop(None)
        loop.close()


def abandon(loop: asyncio.AbstractEventLoop) -> None:
    """After the program failed (an error raised in an output, say): its outstanding tasks cancelled and the SDK's
    record of them cleared, so that neither the next program in this process waits on them nor Python reports them
    at exit; the failure itself is what the caller reports."""
    loop.set_exception_handler(lambda _loop, _context: None)
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in pending:
        task.cancel()
    loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    sdk.clear_outstanding()


def run_program(project: str, stack: str, config: dict[str, str], root: Path) -> Run:
    """Runs `root/__main__.py` with `config` under the mocks; raises whatever the program raises."""
    run = Run(project, stack)
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))

    async def program() -> None:
        interrupted = signal.getsignal(signal.SIGINT)  # __main__.py sets the program's own, for the language host
        try:
            runpy.run_path(str(root / "__main__.py"), run_name="__main__")
        finally:
            signal.signal(signal.SIGINT, interrupted)
        await _resolve_outputs(run)

    with own_event_loop() as loop:  # before the mocks, which make futures on the current loop
        sdk.clear_outstanding()
        sdk.set_root_resource(None)  # type: ignore[arg-type]  # the SDK's own reset between programs
        sdk.set_all_config(config, [])
        monitor = RecordingMonitor(run)
        logger = logging.getLogger(f"istio-demo.offline.{id(run)}")
        logger.propagate = False
        logger.addHandler(_Collector(run))
        sdk.set_mocks(monitor.mocks, project=project, stack=stack, preview=False, monitor=monitor, logger=logger)
        loop.run_until_complete(sdk.run_pulumi_func(program))
    run.resources.sort(key=lambda registration: registration.urn)
    return run
