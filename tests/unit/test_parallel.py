"""Reading side by side (`kustomer_source.read.parallel`): a changed range cut into equal spans,
and pages of several readers merged into one stream that stops at the first error."""

from __future__ import annotations

from typing import Any

import pytest


def test_split_range_cuts_equal_spans() -> None:
    from kustomer_source.read.parallel import split_range

    cuts = split_range("2026-01-01T00:00:00.000Z", "2026-01-01T00:00:04.000Z", 4)
    assert cuts == [
        "2026-01-01T00:00:01.000Z",
        "2026-01-01T00:00:02.000Z",
        "2026-01-01T00:00:03.000Z",
    ]
    # a span shorter than the parts gives fewer, distinct cuts
    assert split_range("2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00.002Z", 4) == [
        "2026-01-01T00:00:00.001Z"
    ]


def test_side_by_side_yields_every_page_and_raises_the_first_error() -> None:
    from kustomer_source.read.parallel import side_by_side

    readers = [[[{"n": r * 100 + i}] for i in range(50)] for r in range(3)]
    pages = list(side_by_side(readers, buffered=2))
    assert sorted(page[0]["n"] for page in pages) == sorted(
        page[0]["n"] for reader in readers for page in reader
    )

    def failing() -> Any:
        yield [{"n": -1}]
        raise RuntimeError("window failed")

    endless = ([{"n": i}] for i in range(10**9))
    with pytest.raises(RuntimeError, match="window failed"):
        list(side_by_side([endless, failing()], buffered=2))
