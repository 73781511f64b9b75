"""Helpers for tests generated from the registry: deterministic sample inputs per op and dtype,
and hypothesis strategies (``symgrad.testing.strategies``)."""

from symgrad.testing.samples import SampleInput, make_samples, op_call
from symgrad.testing.strategies import (
    Program,
    edge_values,
    kinked_inputs,
    op_inputs,
    programs,
    tensors,
)

__all__ = ["SampleInput", "make_samples", "op_call", "Program", "edge_values", "kinked_inputs",
           "op_inputs", "programs", "tensors"]
