"""PyTorch's ``gradcheck`` and ``gradgradcheck``: the engine's Jacobians against central
differences, as ``torch.autograd.gradcheck`` computes and compares them, with its checks,
errors and messages, so that tests written for PyTorch run unchanged.

This is the engine's own check, in the input's dtype, for programs that call PyTorch's. The
judge (``oracle.gradcheck``, ``oracle.crosscheck``) goes further: differences in float64
whatever the dtype, and the exact derivative, to say which of the two is wrong.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]


class GradcheckError(RuntimeError):
    """A gradient check failed (a ``RuntimeError``, as PyTorch's is).

    >>> import symgrad
    >>> issubclass(GradcheckError, RuntimeError)
    True
    """


def gradcheck(func: Callable[..., Any], inputs: Any, *, eps: float = 1e-6,
              atol: float = 1e-5, rtol: float = 1e-3, raise_exception: bool = True,
              nondet_tol: float = 0.0, check_undefined_grad: bool = True,
              check_grad_dtypes: bool = False, check_batched_grad: bool = False,
              check_batched_forward_grad: bool = False, check_forward_ad: bool = False,
              check_backward_ad: bool = True, fast_mode: bool = False,
              masked: bool | None = None) -> bool:
    """Check ``func``'s gradients with respect to the ``inputs`` that require grad against
    central differences of step ``eps``: for every output and input, the Jacobian from
    backward passes (one per output element) and the one from differences must satisfy
    ``|analytical - numerical| <= atol + rtol * |numerical|`` everywhere.

    As PyTorch's: the differences are taken in the inputs' own dtype (use float64: a warning
    says so otherwise); the backward pass is run twice and must agree within ``nondet_tol``;
    a backward given zero output gradients must give zero input gradients, of the inputs'
    dtypes and shapes; an output that does not require grad must have a zero numerical
    Jacobian.

    Args:
        func: Takes the inputs, returns a tensor or a tuple of tensors.
        inputs: A tensor or a tuple of arguments (tensors and other values).
        eps: The finite-difference step. Defaults to 1e-6.
        atol: The absolute tolerance. Defaults to 1e-5.
        rtol: The relative tolerance. Defaults to 1e-3.
        raise_exception: Raise a ``GradcheckError`` saying what failed; False returns False
            instead. Defaults to True.
        nondet_tol: How far two backward passes may disagree. Defaults to 0.0.
        check_undefined_grad: Check that zero output gradients give zero input gradients.
            Defaults to True.
        check_grad_dtypes: Check that each gradient has its input's dtype. Defaults to False.
        check_batched_grad: Needs ``vmap``, which symgrad does not have: True raises
            NotImplementedError. Defaults to False.
        check_batched_forward_grad: Needs forward-mode AD and ``vmap``: True raises
            NotImplementedError. Defaults to False.
        check_forward_ad: Needs forward-mode AD, which symgrad does not have: True raises
            NotImplementedError. Defaults to False.
        check_backward_ad: Check the backward pass (the only mode symgrad has). Defaults to
            True.
        fast_mode: Accepted: PyTorch then compares ``v^T J u`` for random ``u``, ``v``;
            symgrad compares the whole Jacobians, which such a check's passing implies.
            Defaults to False.
        masked: Accepted for sparse inputs, which symgrad does not have. Defaults to None.

    >>> import symgrad
    >>> x = symgrad.tensor([0.5, -1.0], dtype=symgrad.float64, requires_grad=True)
    >>> gradcheck(lambda x: (x * x).tanh(), (x,))
    True
    >>> class Cube(symgrad.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x ** 3
    ...     @staticmethod
    ...     def backward(ctx, g):
    ...         (x,) = ctx.saved_tensors
    ...         return g * 2 * x ** 2  # should be 3 x^2
    >>> gradcheck(Cube.apply, x, raise_exception=False)
    False
    """
    del fast_mode, masked  # see Args
    _refuse_unsupported(check_batched_grad, check_batched_forward_grad, check_forward_ad)
    if not check_backward_ad:
        raise AssertionError(
            "Expected at least one of check_forward_ad or check_backward_ad to be True")
    try:
        return _check(func, _as_tuple(inputs), eps, atol, rtol, nondet_tol,
                      check_undefined_grad, check_grad_dtypes)
    except GradcheckError:
        if raise_exception:
            raise
        return False


def gradgradcheck(func: Callable[..., Any], inputs: Any, grad_outputs: Any = None, *,
                  eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                  gen_non_contig_grad_outputs: bool = False, raise_exception: bool = True,
                  nondet_tol: float = 0.0, check_undefined_grad: bool = True,
                  check_grad_dtypes: bool = False, check_batched_grad: bool = False,
                  check_fwd_over_rev: bool = False, check_rev_over_rev: bool = True,
                  fast_mode: bool = False, masked: bool = False) -> bool:
    """``gradcheck`` of ``func``'s gradients (computed with ``create_graph=True``) as functions
    of the inputs and of the output gradients: checks the second derivatives.

    Args:
        func: Takes the inputs, returns a tensor or a tuple of tensors.
        inputs: A tensor or a tuple of arguments.
        grad_outputs: The output gradients the first backward uses, which the check also
            differentiates with respect to; None draws them uniformly from [-1, 1) with
            ``requires_grad``, one per output that requires grad. Defaults to None.
        eps: The finite-difference step. Defaults to 1e-6.
        atol: The absolute tolerance. Defaults to 1e-5.
        rtol: The relative tolerance. Defaults to 1e-3.
        gen_non_contig_grad_outputs: Accepted: symgrad's drawn gradients are contiguous
            (NumPy's layout does not change the values). Defaults to False.
        raise_exception: Raise a ``GradcheckError``; False returns False. Defaults to True.
        nondet_tol: How far two backward passes may disagree. Defaults to 0.0.
        check_undefined_grad: As ``gradcheck``'s. Defaults to True.
        check_grad_dtypes: As ``gradcheck``'s. Defaults to False.
        check_batched_grad: True raises NotImplementedError (no ``vmap``). Defaults to False.
        check_fwd_over_rev: True raises NotImplementedError (no forward-mode AD). Defaults to
            False.
        check_rev_over_rev: Check reverse over reverse (the only mode). Defaults to True.
        fast_mode: As ``gradcheck``'s. Defaults to False.
        masked: As ``gradcheck``'s. Defaults to False.

    >>> import symgrad
    >>> x = symgrad.tensor([0.5, -1.0], dtype=symgrad.float64, requires_grad=True)
    >>> gradgradcheck(lambda x: (x * x).tanh(), (x,))
    True
    """
    del gen_non_contig_grad_outputs
    inputs = _as_tuple(inputs)
    if grad_outputs is None:
        from symgrad import float64, rand

        grad_outputs = tuple(
            (rand(*o.shape, dtype=o.dtype if o.is_floating_point() else float64) * 2 - 1
             ).requires_grad_() for o in _differentiable(_as_tuple(func(*inputs))))
    grad_outputs = _as_tuple(grad_outputs)
    n_outputs = len(grad_outputs)
    diff_inputs = {i for i, x in enumerate(inputs) if _is_tensor(x) and x.requires_grad}
    diff_grads = {i for i, g in enumerate(grad_outputs) if g.requires_grad}

    def first_derivatives(*args: Any) -> tuple[Any, ...]:
        from symgrad.autograd import grad

        xs = tuple(x.requires_grad_() if i in diff_inputs else x
                   for i, x in enumerate(args[:-n_outputs]))
        outputs = _differentiable(_as_tuple(func(*xs)))
        gs = tuple(g.requires_grad_() if i in diff_grads else g
                   for i, g in enumerate(args[-n_outputs:]))
        found = grad(outputs, [x for i, x in enumerate(xs) if i in diff_inputs], gs,
                     create_graph=True, allow_unused=True)
        return tuple(g for g in found if g is not None)

    return gradcheck(first_derivatives, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, nondet_tol=nondet_tol,
                     check_undefined_grad=check_undefined_grad,
                     check_grad_dtypes=check_grad_dtypes, check_batched_grad=check_batched_grad,
                     fast_mode=fast_mode, check_forward_ad=check_fwd_over_rev,
                     check_backward_ad=check_rev_over_rev, masked=masked)


# -- the checks ------------------------------------------------------------------------------
def _check(func: Callable[..., Any], inputs: tuple[Any, ...], eps: float, atol: float,
           rtol: float, nondet_tol: float, check_undefined_grad: bool,
           check_grad_dtypes: bool) -> bool:
    _check_inputs(inputs)
    results = _as_tuple(func(*inputs))
    outputs = _differentiable(results)
    numerical = _numerical_jacobians(func, inputs, results, eps)
    if not outputs:
        if any(np.any(j != 0) for per_input in numerical for j in per_input):
            raise GradcheckError("Numerical gradient for function expected to be zero")
        return True
    numerical_of_outputs = [[j[k] for j in numerical]
                            for k, r in enumerate(results) if _requires_grad(r)]
    diff_inputs = [x for x in inputs if _is_tensor(x) and x.requires_grad]
    for i, output in enumerate(outputs):
        analytical = _analytical_jacobians(output, diff_inputs, nondet_tol, check_grad_dtypes)
        for j, (a, n) in enumerate(zip(analytical, numerical_of_outputs[i], strict=True)):
            if not _allclose(a, n, rtol, atol):
                raise GradcheckError(
                    f"Jacobian mismatch for output {i:d} with respect to input {j:d},\n"
                    f"numerical:{_shown(n)}\nanalytical:{_shown(a)}\n")
    _check_times_grad_output(outputs, diff_inputs)
    if check_undefined_grad:
        _check_zero_grad_outputs(func, inputs, diff_inputs)
    return True


def _check_inputs(inputs: tuple[Any, ...]) -> None:
    """PyTorch's warning for inputs that are not float64, and its error when none requires
    grad or one repeats memory (a stride 0)."""
    from symgrad import float64

    found = False
    for idx, x in enumerate(inputs):
        if not (_is_tensor(x) and x.requires_grad):
            continue
        if x.dtype is not float64:
            warnings.warn(f"Input #{idx} requires gradient and is not a double precision "
                          "floating point or complex. This check will likely fail if all the "
                          "inputs are not of double precision floating point or complex. ",
                          stacklevel=4)
        if not all(st > 0 or sz <= 1 for st, sz in zip(x.stride(), x.shape, strict=True)):
            raise RuntimeError(
                f"The {idx}th input has a dimension with stride 0. gradcheck only supports "
                "inputs that are non-overlapping to be able to compute the numerical gradients "
                "correctly. You should call .contiguous on the input before passing it to "
                "gradcheck.")
        found = True
    if not found:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, "
                         "but none of them have requires_grad=True.")


def _numerical_jacobians(func: Callable[..., Any], inputs: tuple[Any, ...],
                         results: tuple[Any, ...], eps: float) -> list[list[np.ndarray]]:
    """Per input that requires grad, per output: the Jacobian by central differences, one
    row per input element (in order), one column per output element, in the output's dtype.
    Each element is perturbed in the input's memory, as PyTorch's ``.data`` is."""
    jacobians = []
    for x in inputs:
        if not (_is_tensor(x) and x.requires_grad):
            continue
        memory = x._data
        per_output = [np.zeros((memory.size, _numel(r)), _np_dtype(r)) for r in results]
        for row, idx in enumerate(np.ndindex(memory.shape)):
            original = memory[idx].copy()
            memory[idx] = original - eps
            below = _values(func, inputs)
            memory[idx] = original + eps
            above = _values(func, inputs)
            memory[idx] = original
            for k, (a, b) in enumerate(zip(below, above, strict=True)):
                _same_shape_and_dtype(a, b, eps, row)
                if a is not None:
                    per_output[k][row] = ((b - a) / (2 * eps)).reshape(-1)
        jacobians.append(per_output)
    return jacobians


def _values(func: Callable[..., Any], inputs: tuple[Any, ...]) -> list[np.ndarray | None]:
    # With grad mode as it is: ``gradgradcheck``'s function differentiates inside.
    return [r._data.copy() if _is_tensor(r) else None for r in _as_tuple(func(*inputs))]


def _same_shape_and_dtype(a: Any, b: Any, eps: float, idx: int) -> None:
    if a is None or b is None:
        return
    if a.shape != b.shape:
        raise AssertionError(f"Expected `func` to return outputs with the same shape when "
                             f"inputs are perturbed on index {idx} by {eps}, but got: shapes "
                             f"{a.shape} and {b.shape}.")
    if a.dtype != b.dtype:
        raise AssertionError(f"Expected `func` to return outputs with the same dtype when "
                             f"inputs are perturbed on index {idx} by {eps}, but got: dtypes "
                             f"{a.dtype} and {b.dtype}.")


def _analytical_jacobians(output: Any, inputs: list[Any], nondet_tol: float,
                          check_grad_dtypes: bool) -> list[np.ndarray]:
    """Per input, the Jacobian from backward passes (one per output element: a column), run
    twice: PyTorch's checks that they agree, and of the gradients' dtypes and shapes."""
    first, types_ok, sizes_ok = _jacobian_columns(output, inputs)
    second, _, _ = _jacobian_columns(output, inputs)
    reentrant = all(a.size == 0 or np.max(np.abs(a - b)) <= nondet_tol
                    for a, b in zip(first, second, strict=True))
    if not types_ok and check_grad_dtypes:
        raise GradcheckError("Gradient has dtype mismatch")
    if not sizes_ok:
        raise GradcheckError("Analytical gradient has incorrect size")
    if not reentrant:
        raise GradcheckError(
            "Backward is not reentrant, i.e., running backward with same input and grad_output "
            "multiple times gives different values, although analytical gradient matches "
            f"numerical gradient.The tolerance for nondeterminism was {nondet_tol}."
            + _NONDETERMINISM)
    return first


def _jacobian_columns(output: Any, inputs: list[Any]) -> tuple[list[np.ndarray], bool, bool]:
    from symgrad import zeros_like
    from symgrad.autograd import grad

    jacobians = [np.zeros((x._data.size, output._data.size), x._data.dtype) for x in inputs]
    types_ok = sizes_ok = True
    for column in range(output._data.size):
        seed = zeros_like(output)
        seed._data.reshape(-1)[column] = 1
        found = grad(output, inputs, seed, retain_graph=True, allow_unused=True)
        for jacobian, g, x in zip(jacobians, found, inputs, strict=True):
            if g is None:
                continue
            types_ok = types_ok and g.dtype is x.dtype
            if g.shape != x.shape:
                sizes_ok = False
                continue
            jacobian[:, column] = g._data.reshape(-1)
    return jacobians, types_ok, sizes_ok


def _check_times_grad_output(outputs: list[Any], inputs: list[Any]) -> None:
    """PyTorch's test that the backward multiplies by the output gradient: zeros in, zeros of
    each input's dtype and shape out."""
    from symgrad import zeros_like
    from symgrad.autograd import grad

    found = grad(outputs, inputs, [zeros_like(o) for o in outputs], allow_unused=True)
    for g, x in zip(found, inputs, strict=True):
        if g is None:
            continue
        if np.any(g._data != 0):
            raise GradcheckError("backward not multiplied by grad_output")
        if g.dtype is not x.dtype:
            raise GradcheckError("grad is incorrect type")
        if g.shape != x.shape:
            raise GradcheckError("grad is incorrect size")


def _check_zero_grad_outputs(func: Callable[..., Any], inputs: tuple[Any, ...],
                             diff_inputs: list[Any]) -> None:
    """``check_undefined_grad``: PyTorch passes undefined output gradients, which symgrad's
    backward passes receive as zeros; the outputs of a fresh call all at once, then (with
    several) once more per output."""
    from symgrad import zeros_like
    from symgrad.autograd import grad

    n_outputs = len(_differentiable(_as_tuple(func(*inputs))))
    for _ in range(1 + (n_outputs if n_outputs > 1 else 0)):
        outputs = _differentiable(_as_tuple(func(*inputs)))
        try:
            found = grad(outputs, diff_inputs, [zeros_like(o) for o in outputs],
                         allow_unused=True)
        except RuntimeError as e:
            _warn_new_check()
            raise GradcheckError("Expected backward function to handle undefined output grads. "
                                 'Please look at "Notes about undefined output gradients" in '
                                 '"tools/autograd/derivatives.yaml"') from e
        if any(g is not None and np.any(g._data != 0) for g in found):
            _warn_new_check()
            raise GradcheckError("Expected all input grads to be undefined or zero when all "
                                 "output grads are undefined or zero. Please look at \"Notes "
                                 "about undefined output gradients\" in "
                                 "\"tools/autograd/derivatives.yaml\"")


def _warn_new_check() -> None:
    warnings.warn("Backwards compatibility: New undefined gradient support checking feature is "
                  "enabled by default, but it may break existing callers of this function. If "
                  "this is true for you, you can call this function with "
                  '"check_undefined_grad=False" to disable the feature', stacklevel=5)


# -- helpers ---------------------------------------------------------------------------------
_NONDETERMINISM = """

NOTE: If your op relies on non-deterministic operations i.e., it is listed here:
https://pytorch.org/docs/stable/generated/torch.use_deterministic_algorithms.html
this failure might be expected.

If you are adding a new operator, please file an issue and then use one of the
workarounds. The workaround depends on how your test invokes gradcheck/gradgradcheck.
If the test
- manually invokes gradcheck/gradgradcheck, then call gradcheck/gradgradcheck
  with `nondet_tol=<tol>` as a keyword argument.
- is OpInfo-based (e.g., in test_ops_gradients.py), then modify the OpInfo for the test
  to have `gradcheck_nondet_tol=<tol>`.
- is a Module test (e.g., in common_nn.py), then modify the corresponding
  module_test entry to have `gradcheck_nondet_tol=<tol>`
"""


def _refuse_unsupported(batched: bool, batched_forward: bool, forward: bool) -> None:
    for asked, what in ((batched, "check_batched_grad needs vmap"),
                        (batched_forward, "check_batched_forward_grad needs forward-mode AD"),
                        (forward, "check_forward_ad needs forward-mode AD")):
        if asked:
            raise NotImplementedError(f"{what}, which symgrad does not have")


def _as_tuple(x: Any) -> tuple[Any, ...]:
    if isinstance(x, tuple):
        return x
    if isinstance(x, list):
        return tuple(x)
    return (x,)


def _is_tensor(x: Any) -> bool:
    from symgrad.tensor import Tensor

    return isinstance(x, Tensor)


def _requires_grad(x: Any) -> bool:
    return _is_tensor(x) and x.requires_grad


def _differentiable(results: Sequence[Any]) -> list[Any]:
    return [r for r in results if _requires_grad(r)]


def _numel(x: Any) -> int:
    return x._data.size if _is_tensor(x) else 0


def _np_dtype(x: Any) -> np.dtype:
    return x._data.dtype if _is_tensor(x) else np.dtype(np.float64)


def _allclose(a: np.ndarray, n: np.ndarray, rtol: float, atol: float) -> bool:
    """``torch.allclose(analytical, numerical, rtol, atol)`` in the promoted dtype."""
    dtype = np.promote_types(a.dtype, n.dtype)
    a, n = a.astype(dtype), n.astype(dtype)
    with np.errstate(invalid="ignore", over="ignore"):
        close = np.abs(a - n) <= atol + rtol * np.abs(n)
    return bool(np.all(close | (a == n)))


def _shown(jacobian: np.ndarray) -> str:
    from symgrad.tensor import Tensor

    return repr(Tensor._make(jacobian, False, None))
