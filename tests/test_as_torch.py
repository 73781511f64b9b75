"""``symgrad.testing.as_torch``: inside the block every ``torch.<module>`` symgrad has is
symgrad's very module (not a second copy of it, whose state would split), whether listed or
found on import; after it, the modules torch had are back."""

from __future__ import annotations

import sys

import pytest

import symgrad
import symgrad.nn.utils
import symgrad.utils.data
import symgrad.utils.data.dataloader
from symgrad.testing.as_torch import as_torch


def test_submodules_are_symgrads_own_modules() -> None:
    with as_torch():
        import torch
        import torch.nn.utils
        from torch.utils.data.dataloader import DataLoader, get_worker_info

        assert torch is symgrad
        assert torch.nn.utils is symgrad.nn.utils
        assert DataLoader is symgrad.utils.data.DataLoader
        assert get_worker_info is symgrad.utils.data.dataloader.get_worker_info
        assert sys.modules["torch.utils.data.dataloader"] is symgrad.utils.data.dataloader
        with pytest.raises(ModuleNotFoundError):
            import torch.onnx  # noqa: F401 - symgrad has none (torch.distributions it has now)


def test_torch_modules_come_back_after_the_block(capsys: pytest.CaptureFixture[str]) -> None:
    real = pytest.importorskip("torch")
    import torch.nn.utils  # noqa: F401 - torch's, before the block
    import torch.utils.data.dataloader  # noqa: F401 - torch's, before the block

    before = sys.modules["torch.utils.data.dataloader"]
    with as_torch():
        import torch as inside
        import torch.nn.utils as utils_inside

        assert inside is symgrad and utils_inside is symgrad.nn.utils
        print(inside.zeros(2).dtype)
    assert sys.modules["torch"] is real
    assert sys.modules["torch.utils.data.dataloader"] is before
    assert not any(m.__name__.startswith("symgrad") for n, m in sys.modules.items()
                   if (n == "torch" or n.startswith("torch.")) and m is not None)
    assert capsys.readouterr().out == "torch.float32\n"
    assert repr(symgrad.float32) == "symgrad.float32"
