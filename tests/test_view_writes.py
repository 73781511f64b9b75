"""Views after their memory is written in place, against PyTorch: each view is re-derived from
its base (PyTorch names the node ``AsStridedBackward0``), and the views of a function that
returns several (``unbind``, ``split``, ``chunk``) may not be written and have no graph after a
write, with PyTorch's errors. Each scenario runs under both libraries; what it returns, or the
error class and message it raises, must be equal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

torch = pytest.importorskip("torch")

import symgrad  # noqa: E402

SCENARIOS: dict[str, Callable[[Any], Any]] = {}


def scenario(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    SCENARIOS[fn.__name__] = fn
    return fn


def name(t: Any) -> str:
    return type(t.grad_fn).__name__


def computed(lib: Any) -> Any:
    """A non-leaf (3, 4) tensor that requires grad."""
    return lib.arange(12.0).reshape(3, 4).requires_grad_().clone()


@scenario
def a_view_after_its_base_is_written(lib: Any) -> Any:
    x = computed(lib)
    row, flat, t, grown = x[0], x.view(12), x.t(), x.unsqueeze(0)
    x.mul_(2)
    return [name(v) for v in (row, flat, t, grown)], name(x)


@scenario
def a_view_written_and_its_sibling(lib: Any) -> Any:
    x = computed(lib)
    row, other = x[0], x[1]
    row.mul_(2)
    return name(row), name(other), name(x)


@scenario
def a_view_of_a_view_and_a_view_made_after(lib: Any) -> Any:
    x = computed(lib)
    row = x[0]
    part = row[1:]
    x.add_(1)
    return name(part), name(row), name(row[1:])


@scenario
def a_write_under_no_grad_or_through_a_detached_alias(lib: Any) -> Any:
    x = computed(lib)
    row, col = x[0], x[:, 1]
    with lib.no_grad():
        x.add_(1)
    first = name(row), name(row.grad_fn.next_functions[0][0])
    x.detach().add_(1)
    return first, name(col)


@scenario
def an_earlier_graph_keeps_its_node_and_gradients_stay_right(lib: Any) -> Any:
    a = lib.arange(12.0).reshape(3, 4).requires_grad_()
    x = a.clone()
    row = x[1]
    before = row * 2
    x.mul_(3)
    after = row * 5
    (before.sum() + after.sum()).backward()
    return type(before.grad_fn.next_functions[0][0]).__name__, a.grad.tolist()


def _writes(target: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def run(lib: Any) -> Any:
        return target(computed(lib)).tolist()

    return run


MULTI_OUTPUT_WRITES = {
    "unbind": lambda x: x.unbind(0)[1].mul_(2),
    "split": lambda x: x.split(2)[0].mul_(2),
    "split_with_sizes": lambda x: x.split([1, 2])[1].add_(1),
    "chunk": lambda x: x.chunk(2, dim=1)[1].add_(1),
    "a_view_of_an_unbind_output": lambda x: x.unbind(0)[1][0:2].add_(1),
    "tensor_split": lambda x: x.tensor_split(2)[1].mul_(2),  # allowed: views by slicing
}
for _label, _target in MULTI_OUTPUT_WRITES.items():
    SCENARIOS["writing_to_" + _label] = _writes(_target)


@scenario
def a_leafs_unbind_output_written(lib: Any) -> Any:
    return lib.ones(3, requires_grad=True).unbind(0)[0].mul_(2)


@scenario
def unbind_outputs_of_a_tensor_without_grad_are_written(lib: Any) -> Any:
    x = lib.arange(6.0).reshape(2, 3)
    first, _ = x.unbind(0)
    first.mul_(10)
    return x.tolist()


def _after_base_written(use: Callable[[Any, Any], Any]) -> Callable[[Any], Any]:
    def run(lib: Any) -> Any:
        x = computed(lib)
        _, second, _ = x.unbind(0)
        x.add_(1)
        return use(lib, second)

    return run


USES_AFTER_BASE_WRITTEN = {
    "grad_fn": lambda lib, v: v.grad_fn,
    "is_leaf": lambda lib, v: v.is_leaf,
    "requires_grad": lambda lib, v: v.requires_grad,
    "repr": lambda lib, v: repr(v),
    "values": lambda lib, v: (v.detach().tolist(), v.tolist()),
    "an_op": lambda lib, v: v * 2,
    "a_view": lambda lib, v: v[1:],
    "clone": lambda lib, v: v.clone(),
    "cat": lambda lib, v: lib.cat([v, v, v]),
    "a_write": lambda lib, v: v.mul_(2),
    "an_op_under_no_grad": lambda lib, v: (lib.no_grad().__enter__(), (v * 2).tolist())[1],
}
for _label, _use in USES_AFTER_BASE_WRITTEN.items():
    SCENARIOS["an_unbind_output_after_its_base_is_written_" + _label] = _after_base_written(_use)


@scenario
def split_outputs_after_one_is_written_under_no_grad(lib: Any) -> Any:
    x = computed(lib)
    first, second = x.split(2, dim=1)
    with lib.no_grad():
        first.mul_(2)
    x.sum().backward()
    errors = []
    for piece in (first, second):
        try:
            piece.grad_fn  # noqa: B018 - reading it is what raises
        except RuntimeError as exc:
            errors.append(str(exc))
    return errors


def _no_grad_view(lib: Any, x: Any) -> Any:
    with lib.no_grad():
        return x[0:2]


@scenario
def a_view_made_under_no_grad_written_while_recording(lib: Any) -> Any:
    return _no_grad_view(lib, computed(lib)).mul_(2)


@scenario
def a_view_made_under_no_grad_after_its_base_is_written(lib: Any) -> Any:
    x = computed(lib)
    view = _no_grad_view(lib, x)
    x.add_(1)
    out = [repr(view), view.requires_grad]
    for use in (lambda: view.grad_fn, lambda: view * 2):
        try:
            use()
        except RuntimeError as exc:
            out.append(str(exc))
    return out


@scenario
def a_view_made_under_no_grad_after_a_write_under_no_grad(lib: Any) -> Any:
    x = computed(lib)
    view = _no_grad_view(lib, x)
    with lib.no_grad():
        x.add_(1)
    return view.grad_fn


@scenario
def views_of_a_view_made_under_no_grad(lib: Any) -> Any:
    x = computed(lib)
    view = _no_grad_view(lib, x)
    with lib.no_grad():
        inner = view[0:1]
    recorded = view[0:1]
    first = inner.grad_fn, inner.is_leaf, name(recorded), recorded.requires_grad
    try:
        recorded.mul_(2)
    except RuntimeError as exc:
        return first, str(exc)
    return first


@scenario
def a_view_made_under_no_grad_of_an_unbind_output(lib: Any) -> Any:
    row = computed(lib).unbind(0)[0]
    return _no_grad_view(lib, row).mul_(2)


@scenario
def a_view_made_under_no_grad_of_a_leaf(lib: Any) -> Any:
    return _no_grad_view(lib, lib.ones(3, requires_grad=True)).mul_(2)


def _plain_then(make_views: Callable[[Any, Any], Any], write: Callable[[Any, Any, Any], Any]
                ) -> Callable[[Any], Any]:
    """A scenario on views of a tensor that does not require grad: ``write`` gets the library,
    the base and the views, then every view's ``requires_grad`` and ``grad_fn`` are read."""
    def run(lib: Any) -> Any:
        base = lib.zeros(3)
        views = make_views(lib, base)
        write(lib, base, views)
        return [(v.requires_grad, v.grad_fn and type(v.grad_fn).__name__) for v in views]

    return run


def _under_no_grad(lib: Any, base: Any) -> Any:
    with lib.no_grad():
        return [base[0:2]]


def _unbound(lib: Any, base: Any) -> Any:
    return list(base.unbind(0))


def _gets_a_value_that_requires_grad(lib: Any, base: Any, views: Any) -> None:
    base[0:1] = lib.ones(1, requires_grad=True)


def _plain_write(lib: Any, base: Any, views: Any) -> None:
    base.add_(1)


def _a_view_gets_a_value_that_requires_grad(lib: Any, base: Any, views: Any) -> None:
    views[-1].copy_(lib.ones((), requires_grad=True).expand(views[-1].shape))


for _views in (_under_no_grad, _unbound, lambda lib, base: [base[0:2]]):
    for _write in (_gets_a_value_that_requires_grad, _plain_write,
                   _a_view_gets_a_value_that_requires_grad):
        _label = "while_recording" if _views.__name__ == "<lambda>" else _views.__name__.strip("_")
        SCENARIOS[f"views_of_a_tensor_without_grad_made_{_label}_base{_write.__name__}"] = (
            _plain_then(_views, _write))


def outcome(fn: Callable[[Any], Any], lib: Any) -> Any:
    try:
        with lib.enable_grad():
            return "ok", fn(lib)
    except Exception as exc:  # noqa: BLE001 - the class and message are what is compared
        return "raised", type(exc).__name__, str(exc)


@pytest.mark.parametrize("scenario_name", sorted(SCENARIOS))
def test_view_writes_match_torch(scenario_name: str) -> None:
    fn = SCENARIOS[scenario_name]
    expected = outcome(fn, torch)
    assert outcome(fn, symgrad) == expected
