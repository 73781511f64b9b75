"""Each example in examples/ runs and prints what the same script prints with PyTorch.

With torch installed the reference is the script itself with ``symgrad`` replaced by ``torch``;
without it, the output PyTorch 2.13 prints, written below. Object addresses are normalised.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
HAVE_TORCH = importlib.util.find_spec("torch") is not None

EXPECTED = {
    "requires_grad_defaults.py": """\
Tensor x: tensor([1., 2., 3.])
x.requires_grad: False

Tensor y: tensor([4., 5., 6.])
y.requires_grad: False
""",
    "enable_tracking.py": """\
Tensor w: tensor([ 0.5000, -1.0000], requires_grad=True)
w.requires_grad: True
Tensor b (before): tensor([0.1000])
b.requires_grad (before): False

Tensor b (after): tensor([0.1000], requires_grad=True)
b.requires_grad (after): True
tensor(3., requires_grad=True)
""",
    "integer_tensor_error.py": """\

Error setting requires_grad on integer tensor: Only Tensors of floating point and complex dtype \
can require gradients

Float tensor created with requires_grad=True: True
""",
    "propagation.py": """\
x requires_grad: False
w requires_grad: True
b requires_grad: True

intermediate (w * x) requires_grad: True
y requires_grad: True

x.grad_fn: None
w.grad_fn: None
b.grad_fn: None
intermediate.grad_fn: <MulBackward0 object at 0x...>
y.grad_fn: <AddBackward0 object at 0x...>
y: tensor([ 0.6000, -1.9000], grad_fn=<AddBackward0>)
""",
    "square_plus_three.py": "tensor([4., 6.])\n",
    "chain_rule.py": """\
First Derivative at x = 2.0 : 6.023181998454545e+28
Second Derivative at x = 2.0 : 6.926659109328068e+29
""",
}


def _run(source: str) -> str:
    done = subprocess.run([sys.executable, "-c", source], capture_output=True, text=True,
                          timeout=120, cwd=EXAMPLES)
    assert done.returncode == 0, done.stderr
    return re.sub(r" at 0x[0-9a-fA-F]+>", " at 0x...>", done.stdout)


def test_every_example_is_checked() -> None:
    assert {p.name for p in EXAMPLES.glob("*.py")} == set(EXPECTED) | {"train_mlp.py"}


def test_examples_use_symgrad_by_name() -> None:
    for name in EXPECTED:
        text = (EXAMPLES / name).read_text()
        assert "import symgrad\n" in text and "as torch" not in text and "torch" not in text


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_prints_what_pytorch_prints(name: str) -> None:
    source = (EXAMPLES / name).read_text()
    out = _run(source)
    assert out == EXPECTED[name]
    if HAVE_TORCH:
        assert out == _run(source.replace("symgrad", "torch"))


def test_chain_rule_values_are_the_exact_derivatives_rounded() -> None:
    # f(x) = 2 * (8 * (24 x^2)^3)^4 = c x^24 with c = 2 * 8^4 * 24^12.
    c = 2 * 8**4 * 24**12
    first, second = 24 * c * 2**23, 24 * 23 * c * 2**22
    lines = EXPECTED["chain_rule.py"].splitlines()
    got = [float(line.rsplit(":", 1)[1]) for line in lines]
    # float32 arithmetic through a dozen ops: a few units of 2^-24 relative error.
    assert got[0] == pytest.approx(first, rel=1e-6)
    assert got[1] == pytest.approx(second, rel=1e-6)


def test_train_mlp_loss_falls() -> None:
    out = _run((EXAMPLES / "train_mlp.py").read_text())
    losses = [float(m) for m in re.findall(r"loss (\S+)", out)]
    assert len(losses) >= 3
    assert losses[-1] < 0.1 * losses[0]
    assert all(b <= a for a, b in zip(losses, losses[1:], strict=False))
