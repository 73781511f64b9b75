"""From a ``Generator``'s raw words to samples, as PyTorch's CPU kernels compute them.

Every function returns a flat array of samples in the order PyTorch writes them (its kernels fill
memory in order) and consumes from the generator exactly the words PyTorch's kernel consumes, so
calls interleave with each other as they do in PyTorch. What each kernel does:

- uniform: float64 takes the low 53 bits of a 64-bit word, every other dtype the low 24 bits of a
  32-bit word as a float32 (half and bfloat16 round that); ``x * (to - from) + from`` is fused;
  a value that rounds up to ``to`` becomes ``from``.
- normal: tensors of 16 or more contiguous elements use Box-Muller over blocks of 16 (the first
  8 uniforms give radii, the next 8 angles; cosines fill the first half, sines the second). When
  the size is not a multiple of 16, 16 fresh uniforms redo the last 16 elements. float32 (and
  half and bfloat16, which draw only whole blocks) evaluates log, sin and cos with PyTorch's AVX
  polynomials, float64 with the C library's. Smaller or non-contiguous tensors draw one normal
  at a time in float64, pairs again, keeping the pair's sine in the generator for the next call.
- integers: ``word % range + low``, with 64-bit words once the range reaches 2**28 (PyTorch's
  public builds; whatever the dtype).
- permutation: Fisher-Yates from the front with ``word % (n - i)``; past ``(2**32 - 1) // 20``
  elements the inside-out variant with 64-bit words.
- bernoulli: a float64 uniform below ``p`` for a number ``p``; for a tensor of probabilities a
  uniform of float64 when they are float64, else of float32.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from symgrad._fused_math import fma32, fma64, libm, log_f32, sincos_f32
from symgrad.random import Generator

_LOW_24 = np.uint64(2**24 - 1)
_LOW_53 = np.uint64(2**53 - 1)
_TWO_PI_F32 = np.float32(2.0 * math.pi)
_SMALL_PERMUTATION = (2**32 - 1) // 20
_BLOCKS_AT_ONCE = 4096


def uniform(gen: Generator, n: int, dtype: np.dtype, low: float = 0.0,
            high: float = 1.0) -> np.ndarray:
    """``n`` samples uniform in ``[low, high)`` of a floating ``dtype``."""
    dtype = np.dtype(dtype)
    if dtype == np.float64:
        x = (gen._random64(n) & _LOW_53).astype(np.float64) * 2.0**-53
        out = fma64(x, high - low, low)
    else:
        low32, high32 = np.float32(low), np.float32(high)
        x = (gen._random32(n) & _LOW_24).astype(np.float32) * np.float32(2.0**-24)
        out = fma32(x, high32 - low32, low32).astype(dtype)
    return np.where(out == np.asarray(high).astype(dtype), np.asarray(low).astype(dtype), out)


def normal(gen: Generator, n: int, dtype: np.dtype, mean: float = 0.0, std: float = 1.0,
           contiguous: bool = True) -> np.ndarray:
    """``n`` normal samples of a floating ``dtype``, by the path PyTorch takes for a tensor of
    ``n`` elements (``contiguous`` or not)."""
    dtype = np.dtype(dtype)
    if n >= 16 and contiguous:
        return _normal_blocks(gen, n, dtype, mean, std)
    return _normal_pairs(gen, n, mean, std).astype(dtype)


def _normal_blocks(gen: Generator, n: int, dtype: np.dtype, mean: float,
                   std: float) -> np.ndarray:
    work = np.dtype(np.float64 if dtype == np.float64 else np.float32)
    transform = _box_muller_f64 if work == np.float64 else _box_muller_f32
    whole = n - n % 16
    # float32 and float64 draw uniforms for the partial block's elements too, and discard them.
    head = uniform(gen, n if dtype == work else whole, work)[:whole].reshape(-1, 16)
    out = np.empty(n, work)
    blocks = out[:whole].reshape(-1, 16)
    # A few thousand blocks at a time: the transform's dozens of passes stay in the CPU's
    # cache (three times faster than whole arrays of a million).
    for start in range(0, len(blocks), _BLOCKS_AT_ONCE):
        rows = slice(start, start + _BLOCKS_AT_ONCE)
        blocks[rows] = transform(head[rows], mean, std)
    if n % 16:
        out[n - 16:] = transform(uniform(gen, 16, work).reshape(1, 16), mean, std).ravel()
    return out.astype(dtype)


def _libm(fn: Callable[[float], float], x: np.ndarray) -> np.ndarray:
    # Python's math module calls the C library PyTorch's kernels call. Its log1p errs by up to
    # 0.86 ULP (glibc), too far for ``libm``'s shortcut: one call per element.
    return np.fromiter(map(fn, x.ravel().tolist()), np.float64, x.size).reshape(x.shape)


def _box_muller_f64(block: np.ndarray, mean: float, std: float) -> np.ndarray:
    radius = np.sqrt(-2.0 * libm("log", 1.0 - block[:, :8]))
    theta = 2.0 * math.pi * block[:, 8:]
    return fma64(np.concatenate([radius * libm("cos", theta),
                                 radius * libm("sin", theta)], axis=1), std, mean)


def _box_muller_f32(block: np.ndarray, mean: float, std: float) -> np.ndarray:
    radius = np.sqrt(np.float32(-2.0) * log_f32(np.float32(1.0) - block[:, :8]))
    sin, cos = sincos_f32(_TWO_PI_F32 * block[:, 8:])
    return fma32(np.concatenate([radius * cos, radius * sin], axis=1), np.float32(std),
                 np.float32(mean))


def _normal_pairs(gen: Generator, n: int, mean: float, std: float) -> np.ndarray:
    values = np.empty(n)
    start = 0
    if n and gen._normal is not None:
        values[0], gen._normal = gen._normal, None
        start = 1
    pairs = (n - start + 1) // 2
    u = uniform(gen, 2 * pairs, np.float64)
    radius = np.sqrt(-2.0 * _libm(math.log1p, -u[1::2]))
    theta = 2.0 * math.pi * u[0::2]
    both = np.empty(2 * pairs)
    both[0::2] = radius * libm("cos", theta)
    both[1::2] = radius * libm("sin", theta)
    values[start:] = both[:n - start]
    if (n - start) % 2:
        gen._normal = float(both[-1])
    return fma64(values, std, mean)


def integers(gen: Generator, n: int, low: int, high: int, dtype: np.dtype) -> np.ndarray:
    """``n`` integers uniform in ``[low, high)``, cast to ``dtype``."""
    span = high - low
    words = gen._random64(n) if span >= 2**28 else gen._random32(n)
    return ((words % np.uint64(span)).astype(np.int64) + np.int64(low)).astype(dtype)


def permutation(gen: Generator, n: int) -> np.ndarray:
    """A random permutation of ``range(n)`` as int64."""
    if n < _SMALL_PERMUTATION:  # < 2**31
        steps = np.arange(max(n - 1, 0), dtype=np.uint64)
        picks = gen._random32(len(steps)) % (np.uint64(n) - steps) + steps
        return _fisher_yates(picks.astype(np.int64), n)
    picks = gen._random64(n) % np.arange(1, n + 1, dtype=np.uint64)
    perm = [0] * n
    for i, j in enumerate(picks.tolist()):
        perm[i] = perm[j]
        perm[j] = i
    return np.array(perm, dtype=np.int64)


def _fisher_yates(picks: np.ndarray, n: int) -> np.ndarray:
    """``range(n)`` after the swaps ``perm[i], perm[picks[i]]`` for ``i = 0, 1, ...`` in turn
    (``picks[i] >= i``), without a loop over the swaps.

    Step ``i`` leaves position ``i`` final, so the result at ``i`` is what position
    ``picks[i]`` held just before step ``i``: the value the last earlier step aiming there
    moved out of its own position, or ``picks[i]`` itself if none did. The value step ``k``
    moves out of position ``k`` is, likewise, the one the last earlier step aiming at ``k``
    moved, or ``k``: following those links back to a position no earlier step aimed at gives
    it, for every ``k`` at once by pointer doubling.
    """
    steps = len(picks)
    # Steps grouped by the position they aim at, in step order within a group: one sort. The
    # indices are int32 (n < 2**31 here), which halves the memory the random gathers touch.
    keys = np.sort(picks * n + np.arange(steps, dtype=np.int64))
    target, step = (part.astype(np.int32) for part in np.divmod(keys, n))
    follows = target[1:] == target[:-1]
    before = np.full(steps, -1, np.int32)  # the last earlier step aiming where step i aims
    before[step[1:][follows]] = step[:-1][follows]
    moved = np.arange(n, dtype=np.int32)  # the value step k moves out of position k
    aimed, by = target[step != target], step[step != target]
    last = np.ones(len(aimed), bool)
    last[:-1] = aimed[1:] != aimed[:-1]
    moved[aimed[last]] = by[last]
    while True:
        deeper = moved[moved]
        if np.array_equal(deeper, moved):
            break
        moved = deeper
    out = np.empty(n, np.int64)
    out[:steps] = np.where(before >= 0, moved[before], picks)
    out[steps:] = moved[steps:]
    return out


def bernoulli(gen: Generator, p: float | np.ndarray, n: int) -> np.ndarray:
    """``n`` booleans, each true with probability ``p`` (a number, or an array of ``n``)."""
    if isinstance(p, np.ndarray):
        work = np.float64 if p.dtype == np.float64 else np.float32
        return uniform(gen, n, work) < p.ravel().astype(work)
    return uniform(gen, n, np.float64) < p


# -- gamma and Dirichlet (ATen's sample_gamma, one element at a time) ---------------------------
_THIRD_F32 = float(np.float32(1.0) / np.float32(3.0))  # the kernel's 1.0f / 3.0f
_SQUEEZE_F32 = float(np.float32(0.0331))  # its 0.0331f


def _uniform_double(gen: Generator) -> float:
    return float(uniform(gen, 1, np.float64)[0])


def _sample_gamma(gen: Generator, alpha: float, single: bool) -> float:
    """One draw of ``Gamma(alpha, 1)`` by ATen's ``sample_gamma``: Marsaglia and Tsang's
    rejection from a double normal (the cached pair's second first) and a double uniform per
    try, ``alpha < 1`` boosted by one with a uniform drawn first. ``single``: ``alpha`` is a
    float32, whose boost, ``1 / alpha`` and ``alpha - 1/3`` the kernel rounds to float32."""
    f32 = np.float32 if single else float
    scale = 1.0
    if alpha < 1.0:
        if alpha == 0.0:
            return 0.0
        scale *= math.pow(1.0 - _uniform_double(gen), float(f32(1.0) / f32(alpha)))
        alpha = float(f32(alpha) + f32(1.0))
    d = float(f32(alpha) - f32(_THIRD_F32))
    c = 1.0 / math.sqrt(9.0 * d)
    while True:
        x = float(_normal_pairs(gen, 1, 0.0, 1.0)[0])
        y = 1.0 + c * x
        while y <= 0:
            x = float(_normal_pairs(gen, 1, 0.0, 1.0)[0])
            y = 1.0 + c * x
        v = y * y * y
        u = 1.0 - _uniform_double(gen)
        xx = x * x
        if u < 1.0 - _SQUEEZE_F32 * xx * xx:
            return scale * d * v
        if math.log(u) < 0.5 * xx + d * (1.0 - v + math.log(v)):
            return scale * d * v


def standard_gamma(gen: Generator, alpha: np.ndarray) -> np.ndarray:
    """``Gamma(alpha, 1)`` draws of ``alpha``'s dtype (float32 or float64) in memory order, as
    PyTorch's ``_standard_gamma`` on CPU: each computed in double, rounded to the dtype, at
    least its smallest normal number. A NaN ``alpha`` gives NaN without drawing (PyTorch's
    loop never accepts)."""
    single = alpha.dtype != np.float64
    work = np.float32 if single else np.float64
    flat = alpha.astype(work).ravel()
    out = np.empty(flat.size, work)
    for i, a in enumerate(flat.tolist()):
        out[i] = math.nan if a != a else _sample_gamma(gen, a, single)  # noqa: PLR0124
    tiny = np.finfo(work).tiny
    return np.where(np.isnan(out), out, np.maximum(out, tiny)).reshape(alpha.shape)


def _row_sums(g: np.ndarray) -> np.ndarray:
    """The sums over the last dim of a float64 array in PyTorch's order (its AVX2 ``sum``):
    four accumulators of four lanes over blocks of 16, the remaining blocks of 4 into the
    first, the accumulators added in order, then the leftover elements summed and the four
    lanes added to them one by one. Verified bit for bit on rows of up to 257 elements;
    longer rows PyTorch cuts into a cascade, so their sums may differ in the last bit."""
    k = g.shape[-1]
    whole = k - k % 16
    acc = np.zeros((4,) + g.shape[:-1] + (4,))
    for start in range(0, whole, 16):
        acc = acc + np.moveaxis(g[..., start:start + 16].reshape(g.shape[:-1] + (4, 4)), -2, 0)
    vectors = whole + (k - whole) // 4 * 4
    for start in range(whole, vectors, 4):
        acc[0] = acc[0] + g[..., start:start + 4]
    lanes = ((acc[0] + acc[1]) + acc[2]) + acc[3]
    total = np.zeros(g.shape[:-1])
    for j in range(vectors, k):
        total = total + g[..., j]
    for j in range(4):
        total = total + lanes[..., j]
    return total


def dirichlet(gen: Generator, alpha: np.ndarray) -> np.ndarray:
    """Dirichlet draws over the last dim of ``alpha``, as PyTorch's ``_sample_dirichlet`` on
    CPU: a double gamma draw per element (memory order, at least the double's smallest
    normal), each divided by its row's sum, rounded to the dtype and kept in
    ``[tiny, 1)``."""
    flat = alpha.astype(np.float64).ravel()
    gammas = np.empty(flat.size)
    for i, a in enumerate(flat.tolist()):
        gammas[i] = math.nan if a != a else _sample_gamma(gen, a, False)  # noqa: PLR0124
    gammas = np.maximum(gammas, np.finfo(np.float64).tiny).reshape(alpha.shape)
    total = _row_sums(gammas)[..., None]
    ratio = (gammas / total).astype(alpha.dtype)
    largest = np.nextafter(np.ones((), alpha.dtype), np.zeros((), alpha.dtype))
    return np.minimum(largest, np.maximum(np.finfo(alpha.dtype).tiny, ratio))
