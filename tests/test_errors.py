"""PyTorch's exception class and text for each misuse of autograd (issue 3, item 6).

Each text is written here as PyTorch 2.13 prints it; when torch is installed the same misuse is
run through torch too and the texts compared (``torch`` for ``symgrad`` only in Size reprs).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import symgrad

try:
    import torch
except ImportError:
    torch = None

FREED = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you "
    "call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward "
    "through the graph a second time or if you need to access saved tensors after calling "
    "backward."
)
HINT = ("Hint: enable anomaly detection to find the operation that failed to compute its "
        "gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False).")


def _int_create(lib: Any) -> None:
    lib.tensor([1, 2], requires_grad=True)


def _bool_create(lib: Any) -> None:
    lib.tensor([True], requires_grad=True)


def _int_method(lib: Any) -> None:
    lib.tensor([1, 2]).requires_grad_()


def _int_attribute(lib: Any) -> None:
    lib.tensor([1, 2]).requires_grad = True


def _non_scalar(lib: Any) -> None:
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    (x * 2).backward()


def _freed(lib: Any) -> None:
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    y.backward()


def _unused(lib: Any) -> None:
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    z = lib.tensor([1.0], requires_grad=True)
    lib.autograd.grad((x * 2).sum(), [x, z])


def _input_not_requiring_grad(lib: Any) -> None:
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    lib.autograd.grad((x * 2).sum(), [x, lib.tensor(1.0)])


def _in_place_on_leaf(lib: Any) -> None:
    lib.tensor([1.0, 2.0], requires_grad=True).add_(1)


def _modified_saved(lib: Any) -> None:
    a = lib.tensor([1.0, 2.0], requires_grad=True)
    b = a * 2
    y = b * b
    with lib.no_grad():
        b.add_(1)
    y.sum().backward()


def _modified_leaf_saved(lib: Any) -> None:
    a = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64, requires_grad=True)
    y = a * a
    with lib.no_grad():
        a.add_(1)
    y.sum().backward()


def _wrong_shape(lib: Any) -> None:
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    (x * 2).backward(lib.ones(3) if hasattr(lib, "ones") else lib.tensor([1.0, 1.0, 1.0]))


def _non_leaf_off(lib: Any) -> None:
    y = lib.tensor([1.0], requires_grad=True) * 2
    y.requires_grad = False


def _non_leaf_on(lib: Any) -> None:
    y = lib.tensor([1.0], requires_grad=True) * 2
    y.requires_grad = True


def _non_leaf_method(lib: Any) -> None:
    (lib.tensor([1.0], requires_grad=True) * 2).requires_grad_(False)


def _empty_inputs(lib: Any) -> None:
    (lib.tensor([1.0], requires_grad=True) * 2).sum().backward(inputs=[])


def _no_grad_fn(lib: Any) -> None:
    lib.tensor([1.0]).sum().backward()


def _materialize_without_unused(lib: Any) -> None:
    x = lib.tensor([1.0], requires_grad=True)
    lib.autograd.grad((x * 2).sum(), x, allow_unused=False, materialize_grads=True)


def _function_wrong_count(lib: Any) -> None:
    class Scale(lib.autograd.Function):
        @staticmethod
        def forward(ctx: Any, a: Any, k: float) -> Any:
            return a * k

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            return g

    Scale.apply(lib.tensor([1.0], requires_grad=True), 2.0).sum().backward()


def _function_wrong_shape(lib: Any) -> None:
    class Twice(lib.autograd.Function):
        @staticmethod
        def forward(ctx: Any, a: Any) -> Any:
            return a * 2

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            return lib.tensor([1.0, 1.0, 1.0])

    Twice.apply(lib.tensor([1.0, 2.0], requires_grad=True)).sum().backward()


ONLY_FLOAT = "only Tensors of floating point and complex dtype can require gradients"
CASES: list[tuple[Callable[[Any], None], type[Exception], str]] = [
    (_int_create, RuntimeError, "O" + ONLY_FLOAT[1:]),
    (_bool_create, RuntimeError, "O" + ONLY_FLOAT[1:]),
    (_int_method, RuntimeError, "only Tensors of floating point dtype can require gradients"),
    (_int_attribute, RuntimeError, ONLY_FLOAT),
    (_non_scalar, RuntimeError, "grad can be implicitly created only for scalar outputs"),
    (_freed, RuntimeError, FREED),
    (_unused, RuntimeError, "The differentiated Tensor at index 1 appears to not have been used "
     "in the graph. Set allow_unused=True if this is the desired behavior."),
    (_input_not_requiring_grad, RuntimeError,
     "One of the differentiated Tensors does not require grad"),
    (_modified_saved, RuntimeError, "one of the variables needed for gradient computation has "
     "been modified by an inplace operation: [torch.FloatTensor [2]], which is output 0 of Mul, "
     f"is at version 1; expected version 0 instead. {HINT}"),
    (_modified_leaf_saved, RuntimeError, "one of the variables needed for gradient computation "
     "has been modified by an inplace operation: [torch.DoubleTensor [3]] is at version 1; "
     f"expected version 0 instead. {HINT}"),
    (_wrong_shape, RuntimeError, "Mismatch in shape: grad_output[0] has a shape of "
     "torch.Size([3]) and output[0] has a shape of torch.Size([2])."),
    (_non_leaf_off, RuntimeError, "you can only change requires_grad flags of leaf variables. If "
     "you want to use a computed variable in a subgraph that doesn't require differentiation use "
     "var_no_grad = var.detach()."),
    (_non_leaf_on, RuntimeError, "you can only change requires_grad flags of leaf variables."),
    (_non_leaf_method, RuntimeError, "you can only change requires_grad flags of leaf variables. "
     "If you want to use a computed variable in a subgraph that doesn't require differentiation "
     "use var_no_grad = var.detach()."),
    (_empty_inputs, RuntimeError, "`inputs` argument to `backward()` cannot be empty."),
    (_no_grad_fn, RuntimeError,
     "element 0 of tensors does not require grad and does not have a grad_fn"),
    (_materialize_without_unused, ValueError, "Expected allow_unused to be True or not passed "
     "when materialize_grads=True, but got: allow_unused=False."),
    (_function_wrong_count, RuntimeError,
     "function ScaleBackward returned an incorrect number of gradients (expected 2, got 1)"),
    (_function_wrong_shape, RuntimeError, "Function TwiceBackward returned an invalid gradient at "
     "index 0 - got [3] but expected shape compatible with [2]"),
]
IN_PLACE = (_in_place_on_leaf, RuntimeError,
            "a leaf Variable that requires grad is being used in an in-place operation.")


def _raised(fn: Callable[[Any], None], lib: Any) -> BaseException:
    with pytest.raises(Exception) as info:
        fn(lib)
    return info.value


@pytest.mark.parametrize(("fn", "cls", "text"), CASES, ids=[c[0].__name__ for c in CASES])
def test_error_class_and_text(fn: Callable[[Any], None], cls: type[Exception], text: str) -> None:
    err = _raised(fn, symgrad)
    assert type(err) is cls
    assert str(err) == text


@pytest.mark.skipif(torch is None, reason="torch is not installed")
@pytest.mark.parametrize(("fn", "cls", "text"), [*CASES, IN_PLACE],
                         ids=[c[0].__name__ for c in [*CASES, IN_PLACE]])
def test_text_is_pytorchs(fn: Callable[[Any], None], cls: type[Exception], text: str) -> None:
    err = _raised(fn, torch)
    assert type(err) is cls
    assert str(err) == text


def test_in_place_on_leaf() -> None:
    err = _raised(IN_PLACE[0], symgrad)
    assert type(err) is IN_PLACE[1]
    assert str(err) == IN_PLACE[2]


def test_retain_graph_allows_a_second_pass_and_the_texts_of_hooks() -> None:
    x = symgrad.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.tolist() == [4.0, 8.0]
    with pytest.raises(RuntimeError, match="^can't retain_grad on Tensor that has "
                       "requires_grad=False$"):
        symgrad.tensor(1.0).retain_grad()
    with pytest.raises(RuntimeError, match="^cannot register a hook on a tensor that doesn't "
                       "require gradient$"):
        symgrad.tensor(1.0).register_hook(lambda g: g)
