"""GCC's libstdc++ sorting and selection algorithms (``std::sort``, ``std::nth_element``,
``std::partial_sort``'s heap select), as it writes them, on a Python list under a ``less``
comparison: where PyTorch's CPU kernels sort with them and the values tie, the order they leave
tied elements in is the algorithms' own, which these reproduce step for step.

PyTorch's ``topk`` sorts (value, index) pairs with ``std::nth_element``, ``std::sort`` or
``std::partial_sort`` (``symgrad.sampling``); ``mode`` sorts a line's (value, index) pairs by
value with ``std::sort`` (``symgrad.ops.order_statistics``).

>>> a = list(range(20))
>>> _std_sort(a, 0, 20, lambda i, j: False); a[:6]
[10, 19, 18, 17, 16, 15]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__: list[str] = []


def _lg(n: int) -> int:
    return n.bit_length() - 1


def _median_to_first(a: list, result: int, x: int, y: int, z: int, less: Callable) -> None:
    if less(a[x], a[y]):
        if less(a[y], a[z]):
            pick = y
        elif less(a[x], a[z]):
            pick = z
        else:
            pick = x
    elif less(a[x], a[z]):
        pick = x
    elif less(a[y], a[z]):
        pick = z
    else:
        pick = y
    a[result], a[pick] = a[pick], a[result]


def _unguarded_partition(a: list, first: int, last: int, pivot: int, less: Callable) -> int:
    while True:
        while less(a[first], a[pivot]):
            first += 1
        last -= 1
        while less(a[pivot], a[last]):
            last -= 1
        if not first < last:
            return first
        a[first], a[last] = a[last], a[first]
        first += 1


def _partition_pivot(a: list, first: int, last: int, less: Callable) -> int:
    mid = first + (last - first) // 2
    _median_to_first(a, first, first + 1, mid, last - 1, less)
    return _unguarded_partition(a, first + 1, last, first, less)


def _linear_insert(a: list, last: int, less: Callable) -> None:
    val = a[last]
    while less(val, a[last - 1]):
        a[last] = a[last - 1]
        last -= 1
    a[last] = val


def _insertion_sort(a: list, first: int, last: int, less: Callable) -> None:
    for i in range(first + 1, last):
        if less(a[i], a[first]):
            val = a[i]
            a[first + 1:i + 1] = a[first:i]
            a[first] = val
        else:
            _linear_insert(a, i, less)


def _push_heap(a: list, first: int, hole: int, top: int, val: Any, less: Callable) -> None:
    parent = (hole - 1) // 2
    while hole > top and less(a[first + parent], val):
        a[first + hole] = a[first + parent]
        hole = parent
        parent = (hole - 1) // 2
    a[first + hole] = val


def _adjust_heap(a: list, first: int, hole: int, length: int, val: Any, less: Callable) -> None:
    top = hole
    child = hole
    while child < (length - 1) // 2:
        child = 2 * (child + 1)
        if less(a[first + child], a[first + child - 1]):
            child -= 1
        a[first + hole] = a[first + child]
        hole = child
    if length % 2 == 0 and child == (length - 2) // 2:
        child = 2 * (child + 1)
        a[first + hole] = a[first + child - 1]
        hole = child - 1
    _push_heap(a, first, hole, top, val, less)


def _heap_select(a: list, first: int, middle: int, last: int, less: Callable) -> None:
    length = middle - first
    if length >= 2:  # make_heap
        for parent in range((length - 2) // 2, -1, -1):
            _adjust_heap(a, first, parent, length, a[first + parent], less)
    for i in range(middle, last):
        if less(a[i], a[first]):  # pop_heap(first, middle, i)
            val = a[i]
            a[i] = a[first]
            _adjust_heap(a, first, 0, length, val, less)


def _sort_heap(a: list, first: int, last: int, less: Callable) -> None:
    while last - first > 1:
        last -= 1
        val = a[last]
        a[last] = a[first]
        _adjust_heap(a, first, 0, last - first, val, less)


def _introsort_loop(a: list, first: int, last: int, depth: int, less: Callable) -> None:
    while last - first > 16:
        if depth == 0:
            _heap_select(a, first, last, last, less)
            _sort_heap(a, first, last, less)
            return
        depth -= 1
        cut = _partition_pivot(a, first, last, less)
        _introsort_loop(a, cut, last, depth, less)
        last = cut


def _std_sort(a: list, first: int, last: int, less: Callable) -> None:
    if last - first < 2:
        return
    _introsort_loop(a, first, last, 2 * _lg(last - first), less)
    if last - first > 16:
        _insertion_sort(a, first, first + 16, less)
        for i in range(first + 16, last):
            _linear_insert(a, i, less)
    else:
        _insertion_sort(a, first, last, less)


def _nth_element(a: list, nth: int, less: Callable) -> None:
    first, last = 0, len(a)
    if first == last or nth == last:
        return
    depth = 2 * _lg(last - first)
    while last - first > 3:
        if depth == 0:
            _heap_select(a, first, nth + 1, last, less)
            a[first], a[nth] = a[nth], a[first]
            return
        depth -= 1
        cut = _partition_pivot(a, first, last, less)
        if cut <= nth:
            first = cut
        else:
            last = cut
    _insertion_sort(a, first, last, less)
