"""Two clusters, one mesh (docs/multicluster.md): the settings first."""

from __future__ import annotations

import pytest

from tests.conftest import rendered

ONE_CLUSTER_WARNINGS = [
    (("secondZone=us-central1-b",), ["secondZone: ignored with clusters=1 (it applies to clusters=2)"]),
    (
        ("target=existing", "kubeContext=kind-one", "secondKubeContext=kind-two"),
        ["secondKubeContext: ignored with clusters=1 (it applies to clusters=2)"],
    ),
    (
        ("target=existing", "kubeContext=kind-one", "secondZone=us-central1-b"),
        ["secondZone: ignored, target=existing does not use it (it applies to target=gke)"],
    ),
    (
        ("secondKubeContext=kind-two",),
        ["secondKubeContext: ignored, target=gke does not use it (it applies to target=existing)"],
    ),
]


@pytest.mark.parametrize(("overrides", "warnings"), ONE_CLUSTER_WARNINGS)
def test_a_second_cluster_key_is_ignored_with_a_warning_where_it_does_not_apply(overrides, warnings):
    assert rendered(overrides).warnings == warnings
