"""Helpers for tests generated from the registry: deterministic sample inputs per op and dtype."""

from symgrad.testing.samples import SampleInput, make_samples, op_call

__all__ = ["SampleInput", "make_samples", "op_call"]
