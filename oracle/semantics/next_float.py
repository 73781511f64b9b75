"""Meaning of ``nextafter`` (helper names): on the reals the next float is the input itself
(to first order: the step is one ULP of the dtype, constant where it is defined), so the
meaning is ``self``, with derivative 1 in ``self`` and 0 in ``other``, also where the inputs
are equal (the result is then ``other``, which is ``self``).
"""

from __future__ import annotations

from oracle.semantics.elementwise import elementwise

__all__: list[str] = []

elementwise("nextafter", lambda self, other: self + 0 * other)
