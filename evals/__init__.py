"""Evaluations: measure each capability on real data against baselines computed in the same run."""
