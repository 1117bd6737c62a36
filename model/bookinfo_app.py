"""Istio's Bookinfo sample (1.20.3) as data: its namespace, services, versions, sizes, workloads and the objects
that expose it through the ingress gateway."""

from __future__ import annotations

from model import gateway_api
from model import istio_routing as istio
from model.crd import CustomObject
from model.mesh import INGRESS_GATEWAY, INGRESS_HTTP_PORT, INGRESS_SELECTOR, ISTIO_NAMESPACE
from model.versions import bookinfo_image
from model.workloads import AppSet, Port, ServiceSpec, Size, Workload

NAMESPACE = "bookinfo"
PORT = 9080
USER_HEADER = "end-user"  # productpage forwards the logged-in user in this header
GATEWAY = "bookinfo-gateway"

# Sizes are ours (upstream sets none): requests near what each image's processes use idle, limits about twice
# that, read from what each image starts (samples/bookinfo/src/*/Dockerfile; nothing here can run an image).
# details: `ruby details.rb 9080` on ruby:3.4.3-slim, one WEBrick process (~30 MiB).
DETAILS = Size(cpu="20m", memory="32Mi", cpu_limit="200m", memory_limit="128Mi")
# ratings: `node /opt/microservices/ratings.js 9080` on node:23.11-slim, one Node.js process (V8 alone ~40 MiB
# resident).
RATINGS = Size(cpu="20m", memory="64Mi", cpu_limit="200m", memory_limit="256Mi")
# productpage 1.20.3: on python:3.13.3-slim, gunicorn with 8 gevent workers and no preload, so nine Python processes that each import
# Flask, requests, gevent and OpenTelemetry (~45 MiB each, ~400 MiB together); 256Mi would OOM-kill it.
PRODUCTPAGE = Size(cpu="30m", memory="384Mi", cpu_limit="300m", memory_limit="768Mi")
# reviews: Open Liberty 24.0.0.12 on Java 17 with Eclipse OpenJ9 (open-liberty:24.0.0.12-kernel-slim-java17-openj9,
# `server run defaultServer`, no -Xmx). OpenJ9's container support sizes the heap from the memory limit: half of a
# limit under 1 GiB, the limit less 512 MiB from 1 to 2 GiB (so 512 MiB at 1Gi), and Liberty's non-heap (JIT,
# classes, threads) needs ~150-250 MiB more: 512Mi would leave it a 256 MiB heap and too little room; 1Gi does not.
REVIEWS = Size(cpu="50m", memory="256Mi", cpu_limit="500m", memory_limit="1Gi")

# Open Liberty's WLP_OUTPUT_DIR in the reviews images (its logs and workarea).
LIBERTY_OUTPUT_DIR = "/opt/ol/wlp/output"

# The versions each service runs; the DestinationRules name a subset for each of them.
VERSIONS = {"productpage": ("v1",), "reviews": ("v1", "v2", "v3"), "ratings": ("v1",), "details": ("v1",)}


def service_account_name(app: str) -> str:
    return f"bookinfo-{app}"


def reviews(version: str) -> Workload:
    """Open Liberty keeps a writable root filesystem: its entrypoint (docker-server.sh, `set -e`) writes
    keystore.xml into /config/configDropins/defaults on every start, a directory the image fills at build time
    (an emptyDir there would hide what it put there). Its logs and workarea go to WLP_OUTPUT_DIR, /opt/ol/wlp/output,
    on an emptyDir (upstream's bookinfo.yaml mounts /opt/ibm/wlp/output, the WebSphere Liberty image's path, which
    the Open Liberty image does not use)."""
    return Workload(
        app="reviews",
        version=version,
        image=bookinfo_image("reviews", version),
        ports=(PORT,),
        size=REVIEWS,
        service_account=service_account_name("reviews"),
        env=(("LOG_DIR", "/tmp/logs"),),
        scratch_mounts=(("tmp", "/tmp"), ("wlp-output", LIBERTY_OUTPUT_DIR)),
        read_only_root=False,
    )


WORKLOADS: tuple[Workload, ...] = (
    Workload(
        app="details",
        version="v1",
        image=bookinfo_image("details", "v1"),
        ports=(PORT,),
        size=DETAILS,
        service_account=service_account_name("details"),
    ),
    Workload(
        app="ratings",
        version="v1",
        image=bookinfo_image("ratings", "v1"),
        ports=(PORT,),
        size=RATINGS,
        service_account=service_account_name("ratings"),
    ),
    *(reviews(version) for version in VERSIONS["reviews"]),
    Workload(
        app="productpage",
        version="v1",
        image=bookinfo_image("productpage", "v1"),
        ports=(PORT,),
        size=PRODUCTPAGE,
        service_account=service_account_name("productpage"),
        scratch_mounts=(("tmp", "/tmp"),),
        pod_annotations={
            "prometheus.io/scrape": "true",
            "prometheus.io/port": str(PORT),
            "prometheus.io/path": "/metrics",
        },
    ),
)


APPS = AppSet(
    namespace=NAMESPACE,
    workloads=WORKLOADS,
    services=tuple(ServiceSpec(app, (Port("http", PORT),)) for app in VERSIONS),
    service_accounts=tuple((service_account_name(app), app) for app in VERSIONS),
)


# The paths the ingress sends to productpage (upstream's bookinfo-gateway.yaml): (path, whether as a prefix).
INGRESS_PATHS = (
    ("/productpage", False),
    ("/static", True),
    ("/login", False),
    ("/logout", False),
    ("/api/v1/products", True),
)


def ingress_objects() -> list[CustomObject]:
    """The Gateway, the productpage VirtualService and one DestinationRule per service."""
    entry = istio.Gateway(
        GATEWAY,
        NAMESPACE,
        selector=INGRESS_SELECTOR,
        servers=(istio.Server(istio.Port(INGRESS_HTTP_PORT, "http", "HTTP"), ("*",)),),
    )
    paths = tuple(istio.StringMatch("prefix" if prefix else "exact", path) for path, prefix in INGRESS_PATHS)
    frontend = istio.VirtualService(
        "bookinfo",
        NAMESPACE,
        hosts=("*",),
        gateways=(GATEWAY,),
        http=(
            istio.HTTPRoute((istio.to("productpage", port=PORT),), tuple(istio.HTTPMatch(uri=path) for path in paths)),
        ),
    )
    rules = [
        istio.DestinationRule(app, NAMESPACE, host=app, subsets=tuple(map(istio.version_subset, versions)))
        for app, versions in VERSIONS.items()
    ]
    return [entry, frontend, *rules]


def gateway_api_ingress_objects() -> list[CustomObject]:
    """The Gateway API's ingress: a Gateway bound to the ingress gateway's deployment, beside its Service in
    istio-system, and the productpage HTTPRoute (upstream's samples/bookinfo/gateway-api/bookinfo-gateway.yaml,
    bound instead of deployed)."""
    entry = gateway_api.Gateway(
        GATEWAY,
        ISTIO_NAMESPACE,
        addresses=gateway_api.bound_to(INGRESS_GATEWAY),
        listeners=(
            gateway_api.Listener(
                "http", gateway_api.HTTP_PORT, "HTTP", allowed_routes=gateway_api.routes_from(NAMESPACE)
            ),
        ),
    )
    paths = tuple(gateway_api.PathMatch("PathPrefix" if prefix else "Exact", path) for path, prefix in INGRESS_PATHS)
    rule = gateway_api.HTTPRouteRule(
        (gateway_api.BackendRef("productpage", PORT),), tuple(gateway_api.RouteMatch(path=path) for path in paths)
    )
    frontend = gateway_api.HTTPRoute(
        "bookinfo", NAMESPACE, parent_refs=(gateway_api.bound_parent(GATEWAY),), rules=(rule,)
    )
    return [entry, frontend]
