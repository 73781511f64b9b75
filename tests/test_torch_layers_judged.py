"""PyTorch's own convolution, pooling and batch normalisation judged through the torch
adapter (``oracle/engines/aten_ops.py``): each ATen call becomes the judge's op, and torch's
gradients are judged against the exact derivative of the same graph. A rule that read an
argument wrongly (a stride, a padding, the kernel as the stride's default) would make the
judge's forward disagree with torch's and the verdict not ``ok``."""

from __future__ import annotations

import numpy as np
import pytest

from oracle.crosscheck import crosscheck

torch = pytest.importorskip("torch")
F = torch.nn.functional


def _t(seed: int, *shape: int):
    values = np.random.default_rng(seed).standard_normal(shape)
    return torch.tensor(values, dtype=torch.float64, requires_grad=True)


CASES = {
    "conv2d stride and padding": (lambda x, w, b: F.conv2d(x, w, b, 2, 1),
                                  lambda: [_t(1, 1, 2, 5, 5), _t(2, 3, 2, 3, 3), _t(3, 3)]),
    "conv1d dilation and groups": (lambda x, w: F.conv1d(x, w, None, 1, 2, 2, 2),
                                   lambda: [_t(4, 2, 4, 6), _t(5, 4, 2, 2)]),
    "conv2d same": (lambda x, w: F.conv2d(x, w, padding="same"),
                    lambda: [_t(6, 1, 1, 4, 4), _t(7, 2, 1, 3, 3)]),
    "max_pool2d": (lambda x: F.max_pool2d(x, 2), lambda: [_t(8, 1, 2, 4, 4)]),
    "max_pool2d padding, ceil": (lambda x: F.max_pool2d(x, (3, 2), 1, 1, 1, True),
                                 lambda: [_t(9, 1, 1, 5, 4)]),
    "max_pool1d": (lambda x: F.max_pool1d(x, 2), lambda: [_t(10, 2, 6)]),
    "avg_pool2d": (lambda x: F.avg_pool2d(x, 3, 2, 1, True, False), lambda: [_t(11, 1, 1, 5, 5)]),
    "avg_pool2d divisor": (lambda x: F.avg_pool2d(x, 2, 1, 0, divisor_override=3),
                           lambda: [_t(12, 1, 2, 3, 3)]),
    "adaptive_avg_pool2d": (lambda x: F.adaptive_avg_pool2d(x, (2, 3)),
                            lambda: [_t(13, 1, 2, 5, 7)]),
    "batch_norm evaluation": (lambda x, w: F.batch_norm(
        x, torch.tensor([0.5, -1.0], dtype=torch.float64),
        torch.tensor([2.0, 0.5], dtype=torch.float64), w, None, False),
        lambda: [_t(14, 3, 2, 2), _t(15, 2)]),
    # transposed convolutions (the judge's conv_transpose)
    "conv_transpose2d stride, padding, output_padding": (
        lambda x, w, b: F.conv_transpose2d(x, w, b, 2, 1, 1),
        lambda: [_t(16, 1, 2, 3, 3), _t(17, 2, 3, 3, 3), _t(18, 3)]),
    "conv_transpose1d groups and dilation": (
        lambda x, w: F.conv_transpose1d(x, w, None, 1, 1, 2, 2, 3),
        lambda: [_t(19, 1, 4, 3), _t(20, 4, 1, 2)]),
    # 3-d pooling, unfold and fold
    "max_pool3d": (lambda x: F.max_pool3d(x, 2, 1), lambda: [_t(21, 1, 1, 3, 2, 3)]),
    "avg_pool3d": (lambda x: F.avg_pool3d(x, 2, 1, 1, False, False),
                   lambda: [_t(22, 1, 1, 2, 2, 3)]),
    "adaptive_avg_pool3d": (lambda x: F.adaptive_avg_pool3d(x, (1, 2, 2)),
                            lambda: [_t(23, 1, 2, 3, 3)]),
    "adaptive_max_pool3d": (lambda x: F.adaptive_max_pool3d(x, (2, 1, 2)),
                            lambda: [_t(25, 1, 3, 3, 3)]),
    "unfold and fold": (lambda x: F.fold(F.unfold(x, 2, 1, 1, 2) * 2.0, (3, 4), 2, 1, 1, 2),
                        lambda: [_t(24, 1, 2, 3, 4)]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_pytorchs_layers_are_judged(name):
    fn, inputs = CASES[name]
    verdict = crosscheck(fn, inputs())
    assert verdict.status == "ok", verdict.message
