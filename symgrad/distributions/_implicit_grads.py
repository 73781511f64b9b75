"""The exact reparameterisation gradients of gamma and beta draws, in float64.

A draw ``x`` of a continuous distribution with CDF ``F(x; a)`` moves with its parameter as
the quantile of fixed probability does: ``dx/da = -(dF/da) / (dF/dx)`` (implicit
reparameterisation). PyTorch evaluates this with approximations (``_standard_gamma_grad``,
``_dirichlet_grad``: series, saddle-point and rational fits, good to about 1e-3 to 1e-6
relative); symgrad evaluates it from the incomplete gamma and beta functions' series and
continued fractions, differentiated in the parameter alongside (forward mode through the
recurrences), so the result is the derivative itself to a few ULP of float64.

With ``P`` the regularised lower incomplete gamma function:

- ``x < a + 1``: ``P = x^a e^-x / Gamma(a + 1) * S``, ``S = sum_n x^n / ((a+1)...(a+n))``, and
  ``dx/da = -(x / a) (S (log x - digamma(a + 1)) + dS/da)``;
- otherwise ``Q = 1 - P = x^a e^-x / Gamma(a) * C`` with ``C`` Legendre's continued fraction,
  and ``dx/da = x (C (log x - digamma(a)) + dC/da)``.

For a beta draw (``b`` held fixed) the same with ``I_x(a, b)`` and its continued fraction, on
whichever side of ``(a + 1) / (a + b + 2)`` it converges.
"""

from __future__ import annotations

import numpy as np

from symgrad import _special_math as M

__all__ = ["beta_grad", "gamma_grad"]

_EPS = np.finfo(np.float64).eps
_MAX_TERMS = 100_000


def _gamma_series(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    term, d_term = np.ones_like(x), np.zeros_like(x)
    s, d_s = term.copy(), d_term.copy()
    live = np.ones(x.shape, bool)
    n = 0
    while live.any() and n < _MAX_TERMS:
        n += 1
        ratio = x / (a + n)
        d_term = np.where(live, (d_term - term / (a + n)) * ratio, 0.0)
        term = np.where(live, term * ratio, 0.0)
        s, d_s = s + term, d_s + d_term
        live &= (term > _EPS * s) | (np.abs(d_term) > _EPS * np.abs(d_s))
    return -(x / a) * (s * (np.log(x) - M.digamma(a + 1)) + d_s)


def _gamma_fraction(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    # Modified Lentz on C = 1/(x+1-a- 1(1-a)/(x+3-a- 2(2-a)/(...))), with each quantity's
    # derivative in a carried beside it (every b_i = x + 2i + 1 - a has derivative -1).
    b = x + 1 - a
    d, d_d = 1 / b, 1 / b**2
    c, d_c = np.full_like(x, 1e300), np.zeros_like(x)
    h, d_h = d.copy(), d_d.copy()
    live = np.ones(x.shape, bool)
    i = 0
    while live.any() and i < _MAX_TERMS:
        i += 1
        an, d_an = -i * (i - a), float(i)
        b = b + 2
        d, d_d = an * d + b, d_an * d + an * d_d - 1
        c, d_c = b + an / c, -1 + (d_an * c - an * d_c) / c**2
        d, d_d = 1 / d, -d_d / d**2
        step, d_step = d * c, d_d * c + d * d_c
        h_new, d_h_new = h * step, d_h * step + h * d_step
        h, d_h = np.where(live, h_new, h), np.where(live, d_h_new, d_h)
        live &= (np.abs(step - 1) > _EPS) | (np.abs(h * d_step) > _EPS * np.abs(d_h))
    return x * (h * (np.log(x) - M.digamma(a)) + d_h)


def gamma_grad(alpha: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``dx/dalpha`` of a ``Gamma(alpha, 1)`` draw ``x`` at fixed quantile, in float64.

    Args:
        alpha: the concentrations (positive).
        x: the draws, of ``alpha``'s shape.

    >>> import numpy as np
    >>> from symgrad.distributions._implicit_grads import gamma_grad
    >>> float(gamma_grad(np.array([1.0]), np.array([1.0]))[0])  # mpmath: 1.17356302722472...
    1.1735630272247268
    """
    a, x = np.broadcast_arrays(np.asarray(alpha, np.float64), np.asarray(x, np.float64))
    out = np.zeros(a.shape)
    low = x < a + 1
    with np.errstate(all="ignore"):
        if low.any():
            out[low] = _gamma_series(a[low], x[low])
        if (~low).any():
            out[~low] = _gamma_fraction(a[~low], x[~low])
    return out


def _beta_fraction(p: np.ndarray, q: np.ndarray, z: np.ndarray, dp: float, dq: float
                   ) -> tuple[np.ndarray, np.ndarray]:
    """The continued fraction of ``I_z(p, q)`` (Numerical Recipes' ``betacf``) and its
    derivative along ``(dp, dq)`` in the parameters."""
    def lentz(d: np.ndarray, d_d: np.ndarray, c: np.ndarray, d_c: np.ndarray, aa: np.ndarray,
              d_aa: np.ndarray) -> tuple[np.ndarray, ...]:
        d, d_d = 1 + aa * d, d_aa * d + aa * d_d
        d, d_d = 1 / d, -d_d / d**2
        c, d_c = 1 + aa / c, (d_aa * c - aa * d_c) / c**2
        return d, d_d, c, d_c, d * c, d_d * c + d * d_c

    first = 1 - (p + q) * z / (p + 1)
    d_first = -z * ((dp + dq) * (p + 1) - (p + q) * dp) / (p + 1) ** 2
    d, d_d = 1 / first, -d_first / first**2
    c, d_c = np.ones_like(z), np.zeros_like(z)
    h, d_h = d.copy(), d_d.copy()
    live = np.ones(z.shape, bool)
    m = 0
    while live.any() and m < _MAX_TERMS:
        m += 1
        num, d_num = m * (q - m) * z, m * dq * z
        den, d_den = (p + 2 * m - 1) * (p + 2 * m), dp * (2 * p + 4 * m - 1)
        aa, d_aa = num / den, (d_num * den - num * d_den) / den**2
        d, d_d, c, d_c, step, d_step = lentz(d, d_d, c, d_c, aa, d_aa)
        h1, d_h1 = h * step, d_h * step + h * d_step
        num = -(p + m) * (p + q + m) * z
        d_num = -z * (dp * (p + q + m) + (p + m) * (dp + dq))
        den, d_den = (p + 2 * m) * (p + 2 * m + 1), dp * (2 * p + 4 * m + 1)
        aa, d_aa = num / den, (d_num * den - num * d_den) / den**2
        d, d_d, c, d_c, step2, d_step2 = lentz(d, d_d, c, d_c, aa, d_aa)
        h2, d_h2 = h1 * step2, d_h1 * step2 + h1 * d_step2
        h, d_h = np.where(live, h2, h), np.where(live, d_h2, d_h)
        live &= (np.abs(step * step2 - 1) > _EPS) | (
            np.abs(h * (d_step + d_step2)) > _EPS * np.abs(d_h))
    return h, d_h


def beta_grad(x: np.ndarray, alpha: np.ndarray, total: np.ndarray) -> np.ndarray:
    """``dx/dalpha / (1 - x)`` of a ``Beta(alpha, total - alpha)`` draw ``x`` at fixed
    quantile with the second parameter held, in float64: the factor PyTorch's
    ``_dirichlet_grad`` returns, from which a Dirichlet draw's gradient is formed.

    Args:
        x: the draws, in ``(0, 1)``.
        alpha: the first parameters.
        total: ``alpha`` plus the second parameters.

    >>> import numpy as np
    >>> from symgrad.distributions._implicit_grads import beta_grad
    >>> round(float(beta_grad(np.array([0.5]), np.array([1.0]), np.array([2.0]))[0]), 14)
    0.69314718055995
    """
    x, a, t = np.broadcast_arrays(*(np.asarray(v, np.float64) for v in (x, alpha, total)))
    b = t - a
    out = np.zeros(x.shape)
    direct = x < (a + 1) / (t + 2)
    with np.errstate(all="ignore"):
        if direct.any():
            xs, as_, bs = x[direct], a[direct], b[direct]
            h, d_h = _beta_fraction(as_, bs, xs, 1.0, 0.0)
            log_part = np.log(xs) - M.digamma(as_) + M.digamma(as_ + bs)
            out[direct] = -(xs / as_) * (h * (log_part - 1 / as_) + d_h)
        if (~direct).any():
            xs, as_, bs = x[~direct], a[~direct], b[~direct]
            h, d_h = _beta_fraction(bs, as_, 1 - xs, 0.0, 1.0)
            log_part = np.log(xs) - M.digamma(as_) + M.digamma(as_ + bs)
            out[~direct] = (xs / bs) * (h * log_part + d_h)
    return out
