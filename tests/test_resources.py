"""hypergensim.resources: the machine a run used (the peak-memory sampler is exercised by the pipeline tests)."""

from __future__ import annotations

import os

from hypergensim.resources import machine, physical_cores


def _fake_cpus(root, topology):
    for cpu, (package, core) in topology.items():
        d = root / f"cpu{cpu}" / "topology"
        d.mkdir(parents=True)
        (d / "physical_package_id").write_text(f"{package}\n")
        (d / "core_id").write_text(f"{core}\n")


def test_two_hardware_threads_of_one_core_count_once(tmp_path):
    # 8 logical CPUs: two packages of two cores, each core with two SMT threads (Linux numbers siblings apart)
    _fake_cpus(tmp_path, {0: (0, 0), 1: (0, 1), 2: (1, 0), 3: (1, 1), 4: (0, 0), 5: (0, 1), 6: (1, 0), 7: (1, 1)})
    assert physical_cores(range(8), root=tmp_path) == 4
    assert physical_cores([0, 4], root=tmp_path) == 1  # one core's two threads
    assert physical_cores([0, 2], root=tmp_path) == 2  # core 0 of each package: not the same core


def test_unreadable_topology_is_none(tmp_path):
    _fake_cpus(tmp_path, {0: (0, 0)})
    assert physical_cores([0, 1], root=tmp_path) is None  # cpu1 has no topology here
    assert physical_cores([], root=tmp_path) is None


def test_machine_reports_usable_physical_cores():
    m = machine()
    physical = m["usable_physical_cores"]
    assert physical is None or 1 <= physical <= m["usable_cores"] <= (os.cpu_count() or 1)
