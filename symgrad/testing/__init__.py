"""Running PyTorch programs on symgrad (``symgrad.testing.as_torch``).

The inputs generated tests draw (samples, domains, hypothesis strategies) are the judge's
knowledge: ``oracle.samples``, bound to symgrad by ``oracle.engines.symgrad_samples`` and
``oracle.engines.symgrad_strategies``."""

from symgrad.testing.assert_close import assert_close  # noqa: E402

__all__ = ["assert_close"]
