"""npgrad's benchmark suite: the lab's workloads on our engine, hand-written NumPy and PyTorch eager.

Run it with `python -m benchmarks [--quick] [--out benchmarks/results.md] [--engines ours,numpy,torch]`.
Each engine runs in its own process on the same seeded data and initial weights (`workloads.py`);
the runner checks that every engine computes the same losses as the hand-written NumPy version,
and `report.py` writes a markdown table with ratios to NumPy and to PyTorch.
"""
