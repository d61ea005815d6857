"""Sorted views that merge the lazily generated records with the in-memory overlay.

A view is two sorted parts: ``A``, generated indices (an implicit index range minus a
few excluded indices, or an explicit list), whose sort key grows with the index; and
``B``, a short explicit list of overlay records with their keys. :func:`merged_slice`
returns one page of the merged order without materialising ``A``.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from typing import Any, Protocol

Key = Any
KeyFn = Callable[[int], Key]


class IndexSeq(Protocol):
    """Sorted generated indices."""

    def __len__(self) -> int: ...

    def at(self, k: int) -> int:
        """The ``k``-th index."""
        ...

    def rank(self, key: Key, key_of: KeyFn) -> int:
        """How many indices have a key below ``key``."""
        ...


class RangeSeq:
    """Indices ``lo <= i < hi`` except the sorted ``excluded`` ones."""

    def __init__(self, lo: int, hi: int, excluded: Sequence[int] = ()) -> None:
        self.lo = lo
        self.hi = max(lo, hi)
        a, b = bisect_left(excluded, lo), bisect_left(excluded, self.hi)
        self.excluded = list(excluded[a:b])

    def __len__(self) -> int:
        return self.hi - self.lo - len(self.excluded)

    def at(self, k: int) -> int:
        i = self.lo + k
        while True:
            j = self.lo + k + bisect_right(self.excluded, i)
            if j == i:
                return i
            i = j

    def rank(self, key: Key, key_of: KeyFn) -> int:
        lo, hi = self.lo, self.hi
        while lo < hi:
            mid = (lo + hi) // 2
            if key_of(mid) < key:
                lo = mid + 1
            else:
                hi = mid
        return lo - self.lo - bisect_left(self.excluded, lo)


class ListSeq:
    """An explicit sorted list of indices."""

    def __init__(self, items: list[int]) -> None:
        self.items = items

    def __len__(self) -> int:
        return len(self.items)

    def at(self, k: int) -> int:
        return self.items[k]

    def rank(self, key: Key, key_of: KeyFn) -> int:
        lo, hi = 0, len(self.items)
        while lo < hi:
            mid = (lo + hi) // 2
            if key_of(self.items[mid]) < key:
                lo = mid + 1
            else:
                hi = mid
        return lo


def merged_slice(
    a: IndexSeq, key_of: KeyFn, b_keys: Sequence[Key], offset: int, limit: int, desc: bool = False
) -> list[tuple[bool, int]]:
    """Items ``offset .. offset+limit-1`` of ``A`` merged with ``B`` by key.

    Returns ``(from_b, n)`` pairs: ``n`` is a generated index (``from_b`` False) or a
    position in ``b_keys``. Keys must be unique across both parts.
    """
    na, nb = len(a), len(b_keys)
    total = na + nb
    if offset >= total or limit <= 0:
        return []
    # ascending merged position of each B item
    b_pos = [r + j for j, r in enumerate(_ranks(a, key_of, b_keys))]
    b_order = list(range(nb))
    if desc:
        b_pos = [total - 1 - p for p in reversed(b_pos)]
        b_order.reverse()
    bi = bisect_left(b_pos, offset)
    a_off = offset - bi
    out: list[tuple[bool, int]] = []
    for p in range(offset, min(offset + limit, total)):
        if bi < nb and b_pos[bi] == p:
            out.append((True, b_order[bi]))
            bi += 1
        else:
            out.append((False, a.at(na - 1 - a_off if desc else a_off)))
            a_off += 1
    return out


def _ranks(a: IndexSeq, key_of: KeyFn, b_keys: Sequence[Key]) -> list[int]:
    """``a.rank`` of each sorted B key; one key comparison when no A item lies between."""
    na = len(a)
    out: list[int] = []
    r = -1
    next_key: Key = None
    for kb in b_keys:
        if r < 0 or (r < na and not kb < next_key):
            r = a.rank(kb, key_of)
            next_key = key_of(a.at(r)) if r < na else None
        out.append(r)
    return out


def merged_rank(a: IndexSeq, key_of: KeyFn, b_keys: Sequence[Key], key: Key) -> int:
    """How many merged items have a key below ``key`` (ascending order)."""
    return a.rank(key, key_of) + bisect_left(b_keys, key)
