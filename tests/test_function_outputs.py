"""Custom Functions with several outputs, in PyTorch 2's ``setup_context`` style, and returning
an input as it is: each program runs under torch and under symgrad, and what ``backward``
receives, the gradients, the nodes' names and the errors must be the same.

Before this, symgrad refused a Function with more than one differentiable output, called
``backward`` with the differentiable output's gradient alone (PyTorch passes one per output:
zeros, or None for an output that is no tensor), did not know ``setup_context``, and let an
input returned as it is be written in place (PyTorch refuses: the view's in-place rules would
bypass the Function's backward).
"""

from __future__ import annotations

from typing import Any

import pytest

import symgrad
from oracle.crosscheck import crosscheck

torch = pytest.importorskip("torch")


def _plain(value: Any) -> Any:
    """What a program saw, comparable across the libraries: arrays, names, None."""
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if hasattr(value, "detach"):
        return (str(value.dtype).split(".")[-1], value.detach().numpy().tolist())
    return value


def _functions(lib: Any) -> dict[str, Any]:
    """The custom Functions the programs use, written once for either library."""
    seen: list[Any] = []

    class Pair(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * 2, x * x

        @staticmethod
        def backward(ctx, g_double, g_square):
            seen.append((g_double, g_square))
            (x,) = ctx.saved_tensors
            return 2 * g_double + 2 * x * g_square

    class Mixed(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            index = (x > 0).long()
            ctx.mark_non_differentiable(index)
            return x * 3, index, 3.5

        @staticmethod
        def backward(ctx, g, g_index, g_number):
            seen.append((g, g_index, g_number))
            return 3 * g

    class Lazy(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2, x * 5

        @staticmethod
        def backward(ctx, g_a, g_b):
            seen.append((g_a, g_b))
            return 2 * g_a if g_b is None else 2 * g_a + 5 * g_b

    class Scale(lib.autograd.Function):
        @staticmethod
        def forward(x, k=2.0):
            return x * k

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.k = inputs[1]

        @staticmethod
        def backward(ctx, g):
            return g * ctx.k, None

    class Same(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    class SameAndDouble(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x, x * 2

        @staticmethod
        def backward(ctx, g, g_double):
            return g + 2 * g_double

    class SavesANumber(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x, 3)
            return x * 1

        @staticmethod
        def backward(ctx, g):
            return g

    return {**{c.__name__: c for c in (Pair, Mixed, Lazy, Scale, Same, SameAndDouble,
                                       SavesANumber)}, "seen": seen}


def _leaf(lib: Any, values: list[float] | None = None) -> Any:
    return lib.tensor(values or [0.5, -1.5, 2.0], dtype=lib.float64, requires_grad=True)


def _both(program: Any) -> tuple[Any, Any]:
    return program(torch), program(symgrad)


def _outcome(program: Any, lib: Any) -> Any:
    try:
        return _plain(program(lib))
    except Exception as e:  # noqa: BLE001 - the class and message are what is compared
        return (type(e).__name__, str(e))


def _agree(program: Any) -> Any:
    theirs, ours = _outcome(program, torch), _outcome(program, symgrad)
    assert ours == theirs
    return ours


def test_each_output_gets_its_gradient_and_backward_all_of_them() -> None:
    def program(lib):
        f = _functions(lib)
        x = _leaf(lib)
        double, square = f["Pair"].apply(x)
        (double.sum() + 3 * square.sum()).backward()
        return x.grad, f["seen"]

    got = _agree(program)
    assert got[0][1] == [5.0, -7.0, 14.0]  # 2 + 6x


def test_an_output_no_gradient_reaches_gets_zeros_and_a_number_none() -> None:
    def program(lib):
        f = _functions(lib)
        x = _leaf(lib)
        value, index, number = f["Mixed"].apply(x)
        value.sum().backward()
        return x.grad, f["seen"], index.requires_grad, number, value.grad_fn.name()

    got = _agree(program)
    assert got[1][0][1] == ("int64", [0, 0, 0]) and got[1][0][2] is None


def test_only_one_of_two_outputs_used() -> None:
    def program(lib):
        f = _functions(lib)
        x = _leaf(lib)
        _, square = f["Pair"].apply(x)
        square.sum().backward()
        return x.grad, f["seen"]

    assert _agree(program)[1][0][0][1] == [0.0, 0.0, 0.0]


def test_set_materialize_grads_false_gives_none() -> None:
    def program(lib):
        f = _functions(lib)
        x = _leaf(lib)
        a, _ = f["Lazy"].apply(x)
        a.sum().backward()
        return x.grad, f["seen"]

    assert _agree(program)[1][0][1] is None


def test_outputs_share_their_node() -> None:
    def program(lib):
        f = _functions(lib)
        double, square = f["Pair"].apply(_leaf(lib))
        edges = (double + square).grad_fn.next_functions
        return (double.grad_fn is square.grad_fn, type(double.grad_fn).__name__,
                [(n is double.grad_fn, k) for n, k in edges])

    assert _agree(program) == [True, "PairBackward", [[True, 0], [True, 1]]]


def test_node_hooks_see_every_output_gradient() -> None:
    def program(lib):
        f = _functions(lib)
        x = _leaf(lib)
        double, square = f["Pair"].apply(x)
        seen = []
        double.grad_fn.register_prehook(lambda gos: seen.append(("pre", gos)))
        double.grad_fn.register_hook(lambda gis, gos: seen.append(("post", gis, gos)))
        (double.sum() + 2 * square.sum()).backward()
        return seen, x.grad

    got = _agree(program)
    assert [entry[0] for entry in got[0]] == ["pre", "post"]


def test_a_prehook_replaces_the_output_gradients() -> None:
    def program(lib):
        f = _functions(lib)
        x = _leaf(lib)
        double, square = f["Pair"].apply(x)
        double.grad_fn.register_prehook(lambda gos: (gos[0] * 10, gos[1]))
        (double.sum() + square.sum()).backward()
        return x.grad

    assert _agree(program)[1] == [21.0, 17.0, 24.0]  # 20 + 2x


def test_tensor_hooks_and_retain_grad_on_one_output() -> None:
    def program(lib):
        f = _functions(lib)
        x = _leaf(lib)
        double, square = f["Pair"].apply(x)
        square.retain_grad()
        seen = []
        double.register_hook(lambda g: seen.append(g))
        (double.sum() * 4 + square.sum()).backward()
        return seen, square.grad, x.grad

    got = _agree(program)
    assert got[0][0][1] == [4.0, 4.0, 4.0] and got[1][1] == [1.0, 1.0, 1.0]


def test_second_order_through_several_outputs() -> None:
    def program(lib):
        f = _functions(lib)
        x = _leaf(lib)
        double, square = f["Pair"].apply(x)
        (g,) = lib.autograd.grad((double * square).sum(), x, create_graph=True)
        (gg,) = lib.autograd.grad(g.sum(), x)
        return g, gg

    got = _agree(program)
    assert got[1][1] == [6.0, -18.0, 24.0]  # d/dx 6 x^2 = 12 x


def test_retained_graph_run_twice_does_not_mix_the_runs() -> None:
    def program(lib):
        f = _functions(lib)
        x = _leaf(lib)
        double, square = f["Pair"].apply(x)
        loss = double.sum() + square.sum()
        loss.backward(retain_graph=True)
        first = x.grad.clone()
        loss.backward()
        return first, x.grad

    got = _agree(program)
    assert got[1][1] == [2 * v for v in got[0][1]]


def test_a_run_that_stops_early_leaves_nothing_for_the_next() -> None:
    # The first backward raises after the output slots ran and before the call's node did.
    def program(lib):
        f = _functions(lib)
        x = _leaf(lib)
        double, square = f["Pair"].apply(x)
        loss = double.sum() + square.sum()

        def stop(_):
            raise ValueError("stop")

        handle = double.grad_fn.register_prehook(stop)
        with pytest.raises(ValueError, match="stop"):
            loss.backward(retain_graph=True)
        handle.remove()
        loss.backward()
        return x.grad

    _agree(program)


def test_no_differentiable_output_is_returned_without_a_node() -> None:
    def program(lib):
        class Sign(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return (x > 0).long()

            @staticmethod
            def backward(ctx, g):
                return g

        out = Sign.apply(_leaf(lib))
        return out, out.requires_grad, out.grad_fn

    assert _agree(program)[1:] == [False, None]


def test_setup_context_style_with_defaults_and_keywords() -> None:
    def program(lib):
        f = _functions(lib)
        x = _leaf(lib)
        f["Scale"].apply(x).sum().backward()
        by_default = x.grad.clone()
        x.grad = None
        out = f["Scale"].apply(x, k=3.0)
        out.sum().backward()
        return by_default, x.grad, out.grad_fn.name()

    assert _agree(program)[1][1] == [3.0, 3.0, 3.0]


def test_save_for_backward_refuses_what_is_no_tensor() -> None:
    def program(lib):
        return _functions(lib)["SavesANumber"].apply(_leaf(lib))

    assert _agree(program)[0] == "TypeError"


def test_an_input_returned_as_it_is_refuses_writes() -> None:
    def program(lib):
        y = _leaf(lib) * 1
        out = _functions(lib)["Same"].apply(y)
        out.add_(1)

    assert "created inside a custom Function" in _agree(program)[1]


def test_an_input_returned_as_it_is_loses_its_graph_when_the_input_is_written() -> None:
    def program(lib):
        y = _leaf(lib) * 1
        out = _functions(lib)["Same"].apply(y)
        with lib.no_grad():
            y.mul_(2)
        return out.grad_fn

    assert "its base or another view of its base" in _agree(program)[1]


def test_an_input_returned_beside_another_output_refuses_writes() -> None:
    def program(lib):
        y = _leaf(lib) * 1
        same, double = _functions(lib)["SameAndDouble"].apply(y)
        double.add_(1)  # not a view: allowed
        same.add_(1)

    assert "returns multiple views" in _agree(program)[1]


def test_an_input_returned_as_it_is_backpropagates() -> None:
    def program(lib):
        x = _leaf(lib)
        same, double = _functions(lib)["SameAndDouble"].apply(x * 1)
        (same * double).sum().backward()
        return x.grad, same.is_leaf

    assert _agree(program)[0][1] == [2.0, -6.0, 8.0]  # d/dx 2 x^2


class _WrongPair(symgrad.autograd.Function):
    """2x and x^2, with 3x for the derivative of x^2."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * 2, x * x

    @staticmethod
    def backward(ctx, g_double, g_square):
        (x,) = ctx.saved_tensors
        return 2 * g_double + 3 * x * g_square


def test_the_judge_reads_several_outputs_through_the_forward() -> None:
    # The judge's IR has one output per node: a Function with two is read through the ops its
    # forward runs, and judged exactly against them.
    pair = _functions(symgrad)["Pair"]
    x = symgrad.tensor([0.5, -1.5], dtype=symgrad.float64, requires_grad=True)

    def loss(fn):
        return lambda a: (lambda d, s: (d * s).sum() + s.sum())(*fn.apply(a))

    right = crosscheck(loss(pair), [x])
    assert right.passed and right.status == "ok", right.message
    wrong = crosscheck(loss(_WrongPair), [x])
    assert not wrong.passed and wrong.status == "engine-wrong", wrong.message
    assert "exact: 2.5" in wrong.message  # d/dx (2x^3 + x^2) at 0.5 is 6 x^2 + 2 x


def test_hooks_see_none_for_an_output_no_gradient_reached() -> None:
    # ``backward`` gets zeros there; the node's hooks get None, as in PyTorch.
    def program(lib):
        f = _functions(lib)
        x = _leaf(lib)
        double, square = f["Pair"].apply(x)
        seen = []
        double.grad_fn.register_prehook(lambda gos: seen.append(gos))
        square.sum().backward()
        return seen, f["seen"]

    got = _agree(program)
    assert got[0][0][0] is None and got[1][0][0][1] == [0.0, 0.0, 0.0]
