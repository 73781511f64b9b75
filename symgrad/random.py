"""PyTorch's CPU random generator: the same Mersenne Twister, seeded the same way, and its state.

A ``Generator`` holds an mt19937 (NumPy's ``MT19937`` bit generator, which runs the same
recurrence) seeded as PyTorch seeds it: the seed's low 32 bits through the reference
``init_genrand``. It also holds what PyTorch's generator keeps beside the twister: the second
normal of the last Box-Muller pair drawn one at a time. ``get_state`` and ``set_state`` read and
write PyTorch's 5056-byte state layout, so a state moves between symgrad and PyTorch.
``symgrad._distributions`` turns the raw 32-bit words into uniform, normal and integer samples.
"""

from __future__ import annotations

import struct
from typing import Any

import numpy as np

from symgrad.tensor import Tensor

__all__ = ["Generator", "default_generator", "manual_seed", "initial_seed", "seed",
           "get_rng_state", "set_rng_state"]

_DEFAULT_SEED = 67280421310721  # PyTorch's default_rng_seed_val
_N = 624  # words of mt19937 state
# PyTorch's CPUGeneratorImplState: seed u64, left i32, seeded i32, next u64, 624 words as u64,
# normal_x, normal_y, normal_rho f64, normal_is_valid i32 (+4 padding), then the float normal
# f32 and its valid flag (+3 padding).
_HEAD = struct.Struct("<QiiQ")
_TAIL = struct.Struct("<dddi4xf?3x")
_STATE_BYTES = _HEAD.size + 8 * _N + _TAIL.size


def _seed_value(seed: Any) -> int:
    value = int(seed)
    if not -2**63 <= value < 2**64:
        raise ValueError("Overflow when unpacking long long")
    return value % 2**64


# The error every draw raises while set (``func.vmap``'s randomness "error" mode), else None.
_REFUSAL: list[str | None] = [None]


class Generator:
    """A source of PyTorch's CPU random numbers: the same seed gives the same numbers as
    ``torch.Generator().manual_seed(seed)`` in ``rand``, ``randn``, ``randint``, ``randperm``,
    ``bernoulli`` and the in-place fills.

    Args:
        device (str): where the generator's tensors live; only ``"cpu"``.

    >>> import symgrad
    >>> g = symgrad.Generator().manual_seed(0)
    >>> symgrad.randn(3, generator=g)
    tensor([ 1.5410, -0.2934, -2.1788])
    """

    def __init__(self, device: str = "cpu") -> None:
        self.device = device
        self._bits = np.random.MT19937()
        self.manual_seed(_DEFAULT_SEED)

    def manual_seed(self, seed: int) -> Generator:
        """Restart the stream from ``seed`` (any integer in ``[-2**63, 2**64)``, negative ones
        taken modulo ``2**64``, as PyTorch does); returns this generator.

        Args:
            seed: the seed; PyTorch's twister uses its low 32 bits.

        >>> import symgrad
        >>> g = symgrad.Generator()
        >>> first = symgrad.rand(2, generator=g.manual_seed(7)).tolist()
        >>> first == symgrad.rand(2, generator=g.manual_seed(7)).tolist()
        True
        """
        self._seed = _seed_value(seed)
        # RandomState seeds from an integer with the reference init_genrand, as PyTorch does.
        key = np.random.RandomState(self._seed & 0xFFFFFFFF).get_state()[1]
        self._set_words(key, _N, fresh=True)
        self._normal: float | None = None
        self._float_normal: float | None = None
        return self

    def initial_seed(self) -> int:
        """The seed this generator last started from (PyTorch's default seed when new).

        >>> import symgrad
        >>> symgrad.Generator().initial_seed(), symgrad.Generator().manual_seed(-1).initial_seed()
        (67280421310721, 18446744073709551615)
        """
        return self._seed

    def seed(self) -> int:
        """Reseed from fresh entropy and return the new seed.

        >>> import symgrad
        >>> g = symgrad.Generator()
        >>> s = g.seed()
        >>> a = symgrad.rand(3, generator=g).tolist()
        >>> g.initial_seed() == s, a == symgrad.rand(3, generator=g.manual_seed(s)).tolist()
        (True, True)
        """
        new = int(np.random.SeedSequence().entropy) % 2**63
        self.manual_seed(new)
        return new

    def get_state(self) -> Tensor:
        """The generator's state as PyTorch lays it out: 5056 bytes in a uint8 tensor, which
        ``torch.Generator.set_state`` accepts too.

        >>> import symgrad
        >>> g = symgrad.Generator().manual_seed(1)
        >>> state = g.get_state()
        >>> state.shape, state.dtype
        (symgrad.Size([5056]), symgrad.uint8)
        >>> a = symgrad.randn(5, generator=g).tolist()
        >>> a == symgrad.randn(5, generator=g.set_state(state)).tolist()
        True
        """
        state = self._bits.state["state"]
        pos = int(state["pos"])
        left, next_word = (1, 0 if self._fresh else _N) if pos == _N else (_N + 1 - pos, pos)
        head = _HEAD.pack(self._seed, left, 1, next_word)
        words = np.asarray(state["key"], dtype="<u8").tobytes()
        tail = _TAIL.pack(0.0, self._normal or 0.0, 0.0, self._normal is not None,
                          self._float_normal or 0.0, self._float_normal is not None)
        data = np.frombuffer(head + words + tail, dtype=np.uint8).copy()
        return Tensor._make(data, False, None)

    def set_state(self, new_state: Tensor) -> Generator:
        """Continue from a state ``get_state`` gave (here or in PyTorch); returns this generator.

        Args:
            new_state: a uint8 tensor of 5056 bytes.

        >>> import symgrad
        >>> g = symgrad.Generator()
        >>> try:
        ...     g.set_state(symgrad.zeros(3, dtype=symgrad.uint8))
        ... except RuntimeError as e:
        ...     print(e)
        Expected a CPUGeneratorImplState of size 5056 but found the input RNG state size to be 3
        """
        if not isinstance(new_state, Tensor) or new_state._data.dtype != np.uint8:
            raise TypeError("RNG state must be a torch.ByteTensor")
        raw = new_state._data.reshape(-1).tobytes()
        if len(raw) != _STATE_BYTES:
            raise RuntimeError(f"Expected a CPUGeneratorImplState of size {_STATE_BYTES} but found "
                               f"the input RNG state size to be {len(raw)}")
        seed, left, _, next_word = _HEAD.unpack_from(raw, 0)
        words = np.frombuffer(raw, dtype="<u8", count=_N, offset=_HEAD.size) & 0xFFFFFFFF
        _, normal, _, normal_valid, float_normal, float_valid = _TAIL.unpack_from(
            raw, _HEAD.size + 8 * _N)
        if not 1 <= left <= _N or next_word > _N:
            raise RuntimeError("Invalid mt19937 state")
        if left != 1 and left + next_word != _N + 1:
            raise RuntimeError(f"symgrad's generator keeps one position in the mt19937 state, but "
                               f"this state has left={left} and next={next_word}, which disagree")
        self._seed = seed
        self._set_words(words, _N if left == 1 else next_word, fresh=left == 1 and next_word == 0)
        self._normal = normal if normal_valid else None
        self._float_normal = float_normal if float_valid else None
        return self

    def _set_words(self, key: np.ndarray, pos: int, fresh: bool) -> None:
        self._bits.state = {"bit_generator": "MT19937",
                            "state": {"key": np.asarray(key, dtype=np.uint32), "pos": pos}}
        # PyTorch tells a freshly seeded state (next=0) from one used up (next=624) in its bytes.
        self._fresh = fresh

    def _random32(self, n: int) -> np.ndarray:
        """The next ``n`` 32-bit words of the stream (PyTorch's ``random()``), as uint64.

        >>> import symgrad
        >>> symgrad.Generator().manual_seed(5489)._random32(2).tolist()
        [3499211612, 581869302]
        """
        if _REFUSAL[0] is not None:  # inside ``func.vmap(..., randomness="error")``
            raise RuntimeError(_REFUSAL[0])
        if n:
            self._fresh = False
        return self._bits.random_raw(n)

    def _random64(self, n: int) -> np.ndarray:
        """The next ``n`` 64-bit words (PyTorch's ``random64()``: two 32-bit words, the first
        one high).

        >>> import symgrad
        >>> hex(symgrad.Generator().manual_seed(5489)._random64(1)[0])
        '0xd091bb5c22ae9ef6'
        """
        words = self._random32(2 * n)
        return (words[0::2] << np.uint64(32)) | words[1::2]


# PyTorch seeds its default generator from entropy when it starts; a new Generator() starts from
# the fixed default seed.
default_generator = Generator()
default_generator.seed()


def manual_seed(seed: int) -> Generator:
    """Seed the default generator; returns it. After ``manual_seed(s)`` symgrad's random
    functions give what PyTorch's give after ``torch.manual_seed(s)``.

    Args:
        seed: any integer in ``[-2**63, 2**64)``.

    >>> import symgrad
    >>> _ = symgrad.manual_seed(0)
    >>> symgrad.rand(3)
    tensor([0.4963, 0.7682, 0.0885])
    """
    return default_generator.manual_seed(seed)


def initial_seed() -> int:
    """The seed the default generator started from.

    >>> import symgrad
    >>> _ = symgrad.manual_seed(3); symgrad.initial_seed()
    3
    """
    return default_generator.initial_seed()


def seed() -> int:
    """Reseed the default generator from fresh entropy and return the seed.

    >>> import symgrad
    >>> s = symgrad.seed()
    >>> a = symgrad.rand(2).tolist()
    >>> symgrad.initial_seed() == s, a == (symgrad.manual_seed(s), symgrad.rand(2))[1].tolist()
    (True, True)
    """
    return default_generator.seed()


def get_rng_state() -> Tensor:
    """The default generator's state (PyTorch's 5056-byte layout).

    >>> import symgrad
    >>> state = symgrad.get_rng_state()
    >>> a = symgrad.rand(2).tolist()
    >>> symgrad.set_rng_state(state); a == symgrad.rand(2).tolist()
    True
    """
    return default_generator.get_state()


def set_rng_state(new_state: Tensor) -> None:
    """Continue the default generator from ``new_state`` (from ``get_rng_state``, here or in
    PyTorch).

    Args:
        new_state: a uint8 tensor of 5056 bytes.

    >>> import symgrad
    >>> symgrad.set_rng_state(symgrad.tensor([1.0]))
    Traceback (most recent call last):
    ...
    TypeError: RNG state must be a torch.ByteTensor
    """
    default_generator.set_state(new_state)
