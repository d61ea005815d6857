"""Lists that answer 404 past their end (kustomer-behaviour L4, the sandbox's
`past_end="404"`): a 404 for a page nothing promised ends the list, a 404 for a page the list
needs stops the read with one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.loading import Loader

from kustomer_sandbox import serve
from kustomer_source import Tuning
from kustomer_source.api.client import KustomerClient
from kustomer_source.api.errors import KustomerNotFoundError, KustomerResponseError
from kustomer_source.api.limits import RateLimiter
from kustomer_source.catalog.objects import OBJECTS
from kustomer_source.read.lists import page_range, read_list

BY_TABLE = {o.table: o for o in OBJECTS}


def test_a_full_read_of_lists_that_answer_404_past_their_end_equals_the_org(
    tmp_path: Path,
) -> None:
    """auth roles come without `links` (documented), so they are read by page number until a
    page past the end, which answers 404 here; the other lists end on `links.next` while pages
    past their end are in flight."""
    tables = ["auth_roles", "users", "teams"]
    with serve(seed=84, scale=40, past_end="404") as sb:
        loader = Loader(tmp_path)
        loader.run(sb, tables, tuning=Tuning(page_size=5))
        for table in tables:
            assert loader.ids(table) == {r["id"] for r in sb.control.records(table)}, table
            assert loader.count(table) == sb.control.count(table), table
        assert sb.control.requests(path_prefix="/v1/auth/roles", status=404) >= 1
        assert sb.control.requests(path_prefix="/v1/users", status=404) >= 1  # in flight


def test_a_404_past_the_end_ends_the_list_and_one_the_list_needs_stops_it() -> None:
    users = BY_TABLE["users"]
    with serve(seed=84, scale=40, past_end="404") as sb:
        client = KustomerClient(sb.base_url, sb.token, RateLimiter())
        pages = -(-sb.control.count("users") // 5)
        assert pages >= 3
        # a chunk of the list that starts past its end (the chunked first load's): no pages
        assert list(page_range(client, users, 5, 8, pages + 1, 3)) == []
        assert list(page_range(client, users, 5, 1, pages + 1, 1)) == []
        assert len(list(page_range(client, users, 5, 8, pages, 3))) == 1
        # a 404 for a page links.next promised, or before a page with records: the list broke off
        sb.control.set_faults(fault_404_page=2)
        with pytest.raises(KustomerResponseError, match="404 for page 2 of users after page 1"):
            list(read_list(client, users, 5, 8))
        with pytest.raises(KustomerResponseError, match="page 2 of users while page 3 holds"):
            list(page_range(client, users, 5, 8, 2, 3))
        with pytest.raises(KustomerResponseError, match="page 2 of users while page 3 holds"):
            list(page_range(client, users, 5, 1, 2, 3))  # page 3 asked to tell
        sb.control.set_faults(fault_404_page=1)  # page 1: the list is not there
        with pytest.raises(KustomerNotFoundError):
            list(page_range(client, users, 5, 8, 1, 3))
