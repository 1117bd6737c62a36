"""istio-demo: a GKE cluster (or an existing one), Istio's demo profile, Bookinfo and one traffic-management scenario."""

from components.program import program

program()
