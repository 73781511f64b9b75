"""NumPy's floating-point warnings, silenced where symgrad computes.

PyTorch returns inf and nan silently (``torch.tensor([1000.]).exp()`` is ``tensor([inf])``),
so symgrad does too. NumPy attributes its floating-point RuntimeWarnings to the Python frame
that called the ufunc, and every forward and VJP runs in a ``symgrad.*`` module, so one
filter on those modules silences them at no cost per op (``np.errstate`` around each forward
costs more than half an op's time). NumPy's state (``np.seterr``) is left alone, and so are
the user's own NumPy calls and every other warning symgrad gives on purpose.

Limits: a user filter added later (``warnings.simplefilter("always")``) takes precedence, as
filters do; ``warnings.catch_warnings()`` entered before ``import symgrad`` drops the filter
when it exits, and pytest does exactly that (it imports test modules, conftest files and
``-p`` plugins inside ``catch_warnings``), so a test suite gets the filter from its pytest
configuration instead: ``filterwarnings = ["ignore:(overflow|divide by zero|invalid value|
underflow) encountered:RuntimeWarning:symgrad\\."]`` (one line). A reduction NumPy runs
through its own Python layer (``np.prod``, ``np.mean``, ``np.cumsum``) is attributed to
``numpy._core``, not to symgrad, so no module filter can reach it.

>>> import re
>>> [bool(re.match(MODULE, m)) for m in ("symgrad.ops.elementwise", "numpy", "__main__")]
[True, False, False]
>>> bool(re.match(MESSAGE, "overflow encountered in exp", re.I))
True
"""

from __future__ import annotations

import warnings

__all__ = ["MESSAGE", "MODULE", "install"]

# The start of each floating-point warning NumPy gives (np.seterr's four kinds); warnings'
# message patterns match from the start of the text, case-insensitively.
MESSAGE = r"(overflow|divide by zero|invalid value|underflow) encountered"
MODULE = r"symgrad\."


def install() -> None:
    """Put symgrad's filter first in the warning filters (``import symgrad`` does).

    >>> import warnings
    >>> install()
    >>> action, message, category, module, _ = warnings.filters[0]
    >>> action, category, (message.pattern, module.pattern) == (MESSAGE, MODULE)
    ('ignore', <class 'RuntimeWarning'>, True)
    """
    warnings.filterwarnings("ignore", MESSAGE, RuntimeWarning, MODULE)


install()
