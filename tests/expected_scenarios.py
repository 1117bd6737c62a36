"""What each scenario must emit and say, one table entry per scenario in each table: the tests of
tests/test_scenarios.py and tests/test_gateway_api.py read them, and a new scenario adds its entries here."""

from __future__ import annotations

NETWORKING = "samples/bookinfo/networking"


# Bookinfo scenarios: the upstream files whose objects, combined in order, the scenario must equal.
UPSTREAM_EQUIVALENTS = [
    ("all-v1", (), ["virtual-service-all-v1.yaml"]),
    ("user-routing", (), ["virtual-service-all-v1.yaml", "virtual-service-reviews-test-v2.yaml"]),
    (
        "fault-delay",
        (),
        [
            "virtual-service-all-v1.yaml",
            "virtual-service-reviews-test-v2.yaml",
            "virtual-service-ratings-test-delay.yaml",
        ],
    ),
    (
        "fault-abort",
        (),
        [
            "virtual-service-all-v1.yaml",
            "virtual-service-reviews-test-v2.yaml",
            "virtual-service-ratings-test-abort.yaml",
        ],
    ),
    ("traffic-shifting", (), ["virtual-service-all-v1.yaml", "virtual-service-reviews-50-v3.yaml"]),
    (
        "traffic-shifting",
        ("reviewsWeights=v1=80,v2=20",),
        ["virtual-service-all-v1.yaml", "virtual-service-reviews-80-20.yaml"],
    ),
    (
        "traffic-shifting",
        ("reviewsWeights=v1=90,v2=10",),
        ["virtual-service-all-v1.yaml", "virtual-service-reviews-90-10.yaml"],
    ),
    (
        "traffic-shifting",
        ("reviewsWeights=v3=100",),
        ["virtual-service-all-v1.yaml", "virtual-service-reviews-v3.yaml"],
    ),
    (
        "traffic-shifting",
        ("reviewsWeights=v2=50,v3=50",),
        ["virtual-service-all-v1.yaml", "virtual-service-reviews-v2-v3.yaml"],
    ),
]


def v1(service: str) -> dict:
    return {"hosts": [service], "http": [{"route": [{"destination": {"host": service, "subset": "v1"}}]}]}


def vs(kind_name: str, namespace: str = "bookinfo") -> tuple[str, str, str]:
    return ("VirtualService", namespace, kind_name)


# Scenarios that follow Istio tasks (no upstream file): their exact specs.
TASK_SPECS = {
    "request-timeout": {
        vs("productpage"): v1("productpage"),
        vs("details"): v1("details"),
        vs("reviews"): {
            "hosts": ["reviews"],
            "http": [{"route": [{"destination": {"host": "reviews", "subset": "v2"}}], "timeout": "0.5s"}],
        },
        vs("ratings"): {
            "hosts": ["ratings"],
            "http": [
                {
                    "route": [{"destination": {"host": "ratings", "subset": "v1"}}],
                    "fault": {"delay": {"percentage": {"value": 100}, "fixedDelay": "2s"}},
                }
            ],
        },
    },
    "header-routing": {
        vs("productpage"): v1("productpage"),
        vs("details"): v1("details"),
        vs("ratings"): v1("ratings"),
        vs("reviews"): {
            "hosts": ["reviews"],
            "http": [
                {
                    "match": [{"headers": {"user-agent": {"regex": ".*Firefox.*"}}}],
                    "route": [{"destination": {"host": "reviews", "subset": "v2"}}],
                },
                {"route": [{"destination": {"host": "reviews", "subset": "v1"}}]},
            ],
        },
    },
    "circuit-breaking": {
        ("DestinationRule", "circuit-breaking", "httpbin"): {
            "host": "httpbin",
            "trafficPolicy": {
                "connectionPool": {
                    "tcp": {"maxConnections": 1},
                    "http": {"http1MaxPendingRequests": 1, "maxRequestsPerConnection": 1},
                },
                "outlierDetection": {
                    "consecutive5xxErrors": 1,
                    "interval": "1s",
                    "baseEjectionTime": "3m",
                    "maxEjectionPercent": 100,
                },
            },
        },
    },
    "mirroring": {
        ("DestinationRule", "mirroring", "httpbin"): {
            "host": "httpbin",
            "subsets": [{"name": "v1", "labels": {"version": "v1"}}, {"name": "v2", "labels": {"version": "v2"}}],
        },
        vs("httpbin", "mirroring"): {
            "hosts": ["httpbin"],
            "http": [
                {
                    "route": [{"destination": {"host": "httpbin", "subset": "v1"}, "weight": 100}],
                    "mirror": {"host": "httpbin", "subset": "v2"},
                    "mirrorPercentage": {"value": 100},
                }
            ],
        },
    },
    "httpbin-ingress": {
        ("Gateway", "httpbin-ingress", "httpbin-gateway"): {
            "selector": {"istio": "ingressgateway"},
            "servers": [
                {"port": {"number": 8080, "name": "http", "protocol": "HTTP"}, "hosts": ["httpbin.example.com"]}
            ],
        },
        vs("httpbin", "httpbin-ingress"): {
            "hosts": ["httpbin.example.com"],
            "gateways": ["httpbin-gateway"],
            "http": [
                {
                    "match": [{"uri": {"prefix": "/headers"}}],
                    "route": [{"destination": {"host": "httpbin", "port": {"number": 8000}}}],
                }
            ],
        },
    },
    "egress-gateway": {
        ("ServiceEntry", "egress-gateway", "external-host"): {
            "hosts": ["edition.cnn.com"],
            "ports": [
                {"number": 80, "name": "http-port", "protocol": "HTTP"},
                {"number": 443, "name": "https", "protocol": "HTTPS"},
            ],
            "resolution": "DNS",
            "location": "MESH_EXTERNAL",
        },
        ("Gateway", "egress-gateway", "istio-egressgateway"): {
            "selector": {"istio": "egressgateway"},
            "servers": [{"port": {"number": 80, "name": "http", "protocol": "HTTP"}, "hosts": ["edition.cnn.com"]}],
        },
        ("DestinationRule", "egress-gateway", "egressgateway-for-external-host"): {
            "host": "istio-egressgateway.istio-system.svc.cluster.local",
            "subsets": [{"name": "external"}],
        },
        vs("external-host-through-egress-gateway", "egress-gateway"): {
            "hosts": ["edition.cnn.com"],
            "gateways": ["istio-egressgateway", "mesh"],
            "http": [
                {
                    "match": [{"gateways": ["mesh"], "port": 80}],
                    "route": [
                        {
                            "destination": {
                                "host": "istio-egressgateway.istio-system.svc.cluster.local",
                                "subset": "external",
                                "port": {"number": 80},
                            },
                            "weight": 100,
                        }
                    ],
                },
                {
                    "match": [{"gateways": ["istio-egressgateway"], "port": 80}],
                    "route": [{"destination": {"host": "edition.cnn.com", "port": {"number": 80}}, "weight": 100}],
                },
            ],
        },
    },
    "locality-failover": {
        ("DestinationRule", "bookinfo", "reviews-failover"): {
            "host": "reviews",
            "trafficPolicy": {
                "outlierDetection": {
                    "consecutive5xxErrors": 1,
                    "interval": "1s",
                    "baseEjectionTime": "1m",
                    "maxEjectionPercent": 100,
                },
                "loadBalancer": {
                    "localityLbSetting": {"enabled": True, "failoverPriority": ["topology.istio.io/cluster"]}
                },
            },
        },
    },
}


# The namespaces of sample workloads, in the tutorial's order: every stack keeps them all, whatever the scenario.
SAMPLE_NAMESPACES = ("circuit-breaking", "mirroring", "tcp-traffic-shifting", "httpbin-ingress", "egress-gateway")

# The workloads each scenario brings: namespace -> Deployment names, images and the sidecar label.
SAMPLE_DEPLOYMENTS = {
    "circuit-breaking": {
        "httpbin-v1": "docker.io/mccutchen/go-httpbin:v2.15.0",
        "fortio-v1": "docker.io/fortio/fortio:latest_release",
    },
    "mirroring": {
        "httpbin-v1": "docker.io/mccutchen/go-httpbin:v2.15.0",
        "httpbin-v2": "docker.io/mccutchen/go-httpbin:v2.15.0",
        "curl-v1": "docker.io/curlimages/curl:8.16.0",
    },
    "tcp-traffic-shifting": {
        "tcp-echo-v1": "registry.istio.io/release/tcp-echo-server:1.3",
        "tcp-echo-v2": "registry.istio.io/release/tcp-echo-server:1.3",
    },
    "httpbin-ingress": {"httpbin-v1": "docker.io/mccutchen/go-httpbin:v2.15.0"},
    "egress-gateway": {"curl-v1": "docker.io/curlimages/curl:8.16.0"},
}


JASON = "end-user=jason (logged in as jason)"
V1 = ["productpage: -> v1", "reviews: -> v1", "ratings: -> v1", "details: -> v1"]


# scenario -> its routing in words at the tutorial's parameters: one vocabulary, whichever API writes the objects
ROUTING = {
    "round-robin": ["reviews: no route rule -> round robin over v1, v2, v3"],
    "all-v1": V1,
    "user-routing": ["productpage: -> v1", f"reviews: {JASON} -> v2; otherwise -> v1", *V1[2:]],
    "fault-delay": [
        "productpage: -> v1",
        f"reviews: {JASON} -> v2; otherwise -> v1",
        f"ratings: {JASON} -> v1, after a 7s delay on 100%; otherwise -> v1",
        "details: -> v1",
    ],
    "fault-abort": [
        "productpage: -> v1",
        f"reviews: {JASON} -> v2; otherwise -> v1",
        f"ratings: {JASON} -> v1, aborted with HTTP 500 on 100%; otherwise -> v1",
        "details: -> v1",
    ],
    "traffic-shifting": ["productpage: -> v1", "reviews: -> v1 50%, v3 50%", *V1[2:]],
    "request-timeout": [
        "productpage: -> v1",
        "reviews: -> v2, timeout 0.5s",
        "ratings: -> v1, after a 2s delay on 100%",
        "details: -> v1",
    ],
    "header-routing": [
        "productpage: -> v1",
        "reviews: user-agent matching .*Firefox.* -> v2; otherwise -> v1",
        *V1[2:],
    ],
    "circuit-breaking": [
        "httpbin: at most 1 connection and 1 pending request (1 request per connection); more fail fast with 503; a"
        " pod that answers a 5xx is ejected for 3m (checked every 1s, up to 100% of the pods)"
    ],
    "mirroring": ["httpbin: -> v1, a copy of 100% of them to v2 (whose answers are dropped)"],
    "tcp-traffic-shifting": ["TCP port 31400 at the ingress gateway: -> tcp-echo v1 80%, tcp-echo v2 20%"],
    "httpbin-ingress": [
        "httpbin.example.com at the ingress gateway: path prefix /headers -> httpbin",
        "httpbin.example.com at the ingress gateway: any other path -> 404",
    ],
    "egress-gateway": [
        "edition.cnn.com: -> the egress gateway",
        "edition.cnn.com at the egress gateway: -> edition.cnn.com:80 outside the mesh",
    ],
    "locality-failover": [
        "reviews: no route rule -> the caller's own cluster's pods; the other cluster's once a 5xx has ejected those"
        " (for 1m)"
    ],
}


BOOKINFO_ROUTES = {"HTTPRoute": 4}
ISTIO_FAULT = {"HTTPRoute": 3, "VirtualService": 1}

# scenario -> the kinds its builder emits under gateway-api (the Istio kinds are where the Gateway API has none)
GATEWAY_API_KINDS = {
    "round-robin": {},
    "all-v1": BOOKINFO_ROUTES,
    "user-routing": BOOKINFO_ROUTES,
    "fault-delay": ISTIO_FAULT,
    "fault-abort": ISTIO_FAULT,
    "traffic-shifting": BOOKINFO_ROUTES,
    "request-timeout": ISTIO_FAULT,
    "header-routing": BOOKINFO_ROUTES,
    "circuit-breaking": {"DestinationRule": 1},
    "mirroring": {"HTTPRoute": 1},
    "tcp-traffic-shifting": {"Gateway": 1, "TCPRoute": 1},
    "httpbin-ingress": {"Gateway": 1, "HTTPRoute": 1},
    "egress-gateway": {"ServiceEntry": 1, "Gateway": 1, "HTTPRoute": 2, "ReferenceGrant": 1},
    "locality-failover": {"DestinationRule": 1},
}


# scenario -> the warnings its preset renders with on one cluster: only those of a scenario that needs two.
PRESET_WARNINGS = {
    "locality-failover": [
        "scenario: locality-failover shows its effect only with clusters=2; with clusters=1 it applies, but there is"
        " no other cluster to fail over to"
    ],
}
