"""Anomaly detection (``autograd.detect_anomaly``, ``set_detect_anomaly``): a NaN in a node's
gradient raises PyTorch's RuntimeError, after a warning naming the node and the line of the
forward call that made it; the messages are PyTorch 2.13's, and where torch is installed the
same programs run on it give the same errors."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import pytest

import symgrad

try:
    import torch
except ImportError:  # the comparisons with torch skip; symgrad's own checks still run
    torch = None

LIBRARIES = [symgrad] + ([torch] if torch is not None else [])
NAN_IN_SQRT = "Function 'SqrtBackward0' returned nan values in its 0th output."
NO_FORWARD = ("No forward pass information available. Enable detect anomaly during forward "
              "pass for more information.")


def _caught(run: Callable[[], Any]) -> tuple[str | None, list[str]]:
    """The RuntimeError ``run`` raised (its message, or None) and the warnings' texts that are
    not NumPy's."""
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        try:
            run()
            error = None
        except RuntimeError as e:
            error = str(e)
    texts = [str(w.message) for w in seen if "encountered in" not in str(w.message)]
    return error, texts


@pytest.mark.parametrize("lib", LIBRARIES, ids=lambda m: m.__name__)
def test_a_nan_gradient_raises_and_names_the_forward_line(lib: Any) -> None:
    x = lib.tensor([0.0, 1.0], requires_grad=True)

    def run() -> None:
        with lib.autograd.detect_anomaly():
            y = (x.sqrt() * 0).sum()  # the forward line: sqrt's slope at 0 is inf, inf * 0 NaN
            y.backward()

    error, texts = _caught(run)
    assert error == NAN_IN_SQRT
    assert texts[0].startswith("Anomaly Detection has been enabled.")
    detected = [t for t in texts if t.startswith("Error detected in SqrtBackward0. Traceback of "
                                                 "forward call that caused the error:")]
    assert len(detected) == 1
    assert "y = (x.sqrt() * 0).sum()" in detected[0] and "test_anomaly_mode.py" in detected[0]
    assert x.grad is None  # the error came before the leaf's accumulator ran
    assert not lib.is_anomaly_enabled()


@pytest.mark.parametrize("lib", LIBRARIES, ids=lambda m: m.__name__)
def test_without_the_nan_check_the_nan_reaches_the_leaf(lib: Any) -> None:
    x = lib.tensor([0.0, 1.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with lib.autograd.detect_anomaly(check_nan=False):
            assert lib.is_anomaly_enabled() and not lib.is_anomaly_check_nan_enabled()
            (x.sqrt() * 0).sum().backward()
    assert str(x.grad.tolist()) == "[nan, 0.0]"
    assert lib.is_anomaly_check_nan_enabled()


@pytest.mark.parametrize("lib", LIBRARIES, ids=lambda m: m.__name__)
def test_set_detect_anomaly_sets_now_and_restores_as_a_context(lib: Any) -> None:
    with lib.autograd.set_detect_anomaly(True):
        assert lib.is_anomaly_enabled()
    assert not lib.is_anomaly_enabled()
    lib.autograd.set_detect_anomaly(True, check_nan=False)
    try:
        assert lib.is_anomaly_enabled() and not lib.is_anomaly_check_nan_enabled()
    finally:
        lib.autograd.set_detect_anomaly(False)
    with pytest.raises(TypeError, match=r"argument 'enabled' \(position 1\) must be bool, not str"):
        lib.autograd.set_detect_anomaly("yes")


@pytest.mark.parametrize("lib", LIBRARIES, ids=lambda m: m.__name__)
def test_a_node_made_before_anomaly_mode_has_no_forward_trace(lib: Any) -> None:
    x = lib.tensor([0.0], requires_grad=True)
    z = (x / x).sum()  # 1/0 = inf for the dividend, 0/0 = NaN for the divisor

    def run() -> None:
        with lib.autograd.set_detect_anomaly(True):
            lib.autograd.grad(z, (x,))

    error, texts = _caught(run)
    assert error == "Function 'DivBackward0' returned nan values in its 1th output."
    assert texts[0].startswith(f"Error detected in DivBackward0. {NO_FORWARD}")


@pytest.mark.parametrize("lib", LIBRARIES, ids=lambda m: m.__name__)
def test_only_the_gradients_asked_for_are_checked(lib: Any) -> None:
    # y / x at x = 0: 1/x is inf for y, -y/x^2 = 0/0 NaN for x. Asked for w's gradient alone,
    # PyTorch computes no gradient for the leaf x at the division: the NaN it meets is further
    # on, in y = (x / w) * x, whose first input gets inf * 0 (the "0th output" of the product).
    x = lib.tensor([0.0], requires_grad=True)
    w = lib.tensor([2.0], requires_grad=True)
    y = x / w * x
    z = (y / x).sum()

    def run() -> None:
        with lib.autograd.set_detect_anomaly(True):
            lib.autograd.grad(z, (w,))

    error, _ = _caught(run)
    assert error == "Function 'MulBackward0' returned nan values in its 0th output."
    # Nor a constant's: v / c at v = c = 0 is 1/0 = inf for v and 0/0 = NaN for c.
    v = lib.tensor([0.0], requires_grad=True)
    c = lib.tensor([0.0])
    with lib.autograd.set_detect_anomaly(True):
        (v / c).sum().backward()
    assert v.grad.tolist() == [float("inf")]


@pytest.mark.parametrize("lib", LIBRARIES, ids=lambda m: m.__name__)
def test_an_error_in_a_custom_backward_is_traced_to_its_forward(lib: Any) -> None:
    class Fails(lib.autograd.Function):
        @staticmethod
        def forward(ctx: Any, t: Any) -> Any:
            return t * 2

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            raise ValueError("this backward fails")

    x = lib.tensor([1.0], requires_grad=True)

    def run() -> None:
        with lib.autograd.detect_anomaly():
            out = Fails.apply(x)  # the forward line
            out.sum().backward()

    with pytest.raises(ValueError, match="this backward fails"), warnings.catch_warnings(
            record=True) as seen:
        warnings.simplefilter("always")
        try:
            run()
        finally:
            texts = [str(w.message) for w in seen]
    detected = [t for t in texts if t.startswith("Error detected in FailsBackward")]
    assert len(detected) == 1 and "out = Fails.apply(x)" in detected[0]


@pytest.mark.parametrize("lib", LIBRARIES, ids=lambda m: m.__name__)
def test_second_order_gradients_are_checked_too(lib: Any) -> None:
    # d/dx of x**1.5 is 1.5 sqrt(x), whose own derivative at 0 is inf; times a zero weight, NaN.
    x = lib.tensor([0.0, 4.0], dtype=lib.float64, requires_grad=True)
    (g,) = lib.autograd.grad((x ** 1.5).sum(), x, create_graph=True)

    def run() -> None:
        with lib.autograd.detect_anomaly():
            lib.autograd.grad((g * lib.tensor([0.0, 1.0], dtype=lib.float64)).sum(), x)

    error, _ = _caught(run)
    assert error is not None and error.startswith("Function '") and (
        error.endswith("' returned nan values in its 0th output."))


def test_without_anomaly_mode_a_nan_passes_silently() -> None:
    x = symgrad.tensor([0.0, 1.0], requires_grad=True)
    (x.sqrt() * 0).sum().backward()
    assert str(x.grad.tolist()) == "[nan, 0.0]"
