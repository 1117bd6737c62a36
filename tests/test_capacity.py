"""The default stack fits 4 x n1-standard-1 after GKE's own pods (figures and sources in model/capacity.py)."""

from __future__ import annotations

import pytest

from model.capacity import SYSTEM_DAEMONSETS, allocatable, mebibytes, millicores, requested


def test_allocatable_of_an_n1_standard_1_node_follows_gkes_reservations():
    assert allocatable("n1-standard-1") == (940, 2780)


def test_unknown_machine_type_has_no_allocatable_figure():
    assert allocatable("z9-mega-1") is None


@pytest.mark.parametrize(("quantity", "cpu"), [("10m", 10), ("1", 1000), ("0.5", 500), ("250m", 250)])
def test_cpu_quantities(quantity, cpu):
    assert millicores(quantity) == cpu


@pytest.mark.parametrize(("quantity", "mib"), [("40Mi", 40), ("1Gi", 1024), ("2048Ki", 2)])
def test_memory_quantities(quantity, mib):
    assert mebibytes(quantity) == mib


def test_default_stack_fits_with_a_ten_percent_margin(default):
    capacity = default.plan["outputs"]["capacity"]
    assert capacity["allocatable"] == {"cpu": "3760m", "memory": "11120Mi"}
    assert capacity["fits"] is True
    assert capacity["cpuPercent"] <= 90
    assert capacity["memoryPercent"] <= 90


def test_every_scheduled_workload_declares_requests(default):
    for obj in default.manifests:
        if obj["kind"] == "Deployment":
            for container in obj["spec"]["template"]["spec"]["containers"]:
                assert set(container["resources"]["requests"]) == {"cpu", "memory"}, obj["metadata"]["name"]


def test_gke_daemonsets_per_node_include_workload_identity_and_dataplane_v2_without_kube_proxy():
    names = [daemon.name for daemon in SYSTEM_DAEMONSETS]
    assert {"gke-metadata-server", "anetd"} <= set(names)
    assert "kube-proxy" not in names
    assert requested([], node_count=1) == (682 + 349, 781 + 704)


def test_default_stack_requests(default):
    """GKE system 4 x 349m/704Mi + 682m/781Mi; Bookinfo 220m/1248Mi + 6 sidecars 60m/240Mi;
    istiod 10m/100Mi; two gateways 20m/80Mi; add-ons 100m/592Mi."""
    assert default.plan["outputs"]["capacity"]["requested"] == {"cpu": "2488m", "memory": "5857Mi"}
