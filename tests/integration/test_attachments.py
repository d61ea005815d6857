"""`message_attachments`: the metadata the message list side-loads, equal to the org's, with
new messages' attachments on later runs and nothing but metadata landed."""

from __future__ import annotations

from typing import Any

from helpers.attachments import TABLE, org_attachments
from helpers.loading import Loader

from kustomer_sandbox import Sandbox
from kustomer_source import Tuning


def landed(loader: Loader) -> dict[str, tuple[Any, ...]]:
    rows = loader.query(
        "select id, message_id, conversation_id, name, content_type, content_length "
        f"from kustomer_data.{TABLE}"
    )
    return {row[0]: tuple(row[1:]) for row in rows}


def test_attachments_equal_the_org_then_new_ones_arrive(
    fresh_sandbox: Sandbox, loader: Loader
) -> None:
    sb = fresh_sandbox
    loader.run(sb, ["messages", TABLE], tuning=Tuning(page_size=25))
    expected = org_attachments(sb)
    assert len(expected) > 10
    assert landed(loader) == expected
    columns = loader.columns(TABLE)
    assert columns["content_length"] == "BIGINT"
    assert columns["redacted"] == "BOOLEAN"
    assert columns["message_created_at"] == "TIMESTAMP WITH TIME ZONE"
    # metadata only: no file contents, no signed link, no `links` of any kind
    assert not {"links", "url", "related", "content"} & set(columns)
    text = " ".join(
        str(v) for row in loader.query(f"select * from kustomer_data.{TABLE}") for v in row
    )
    assert "http" not in text

    sb.control.reset_requests()
    loader.run(sb, [TABLE], tuning=Tuning(page_size=25))
    # nothing new: one page of the newest messages, not the whole list
    assert sb.control.requests("GET", "/v1/messages") == 1

    sb.control.advance_clock(600)
    new = [sb.control.create("messages", attachments=k % 3) for k in range(40)]
    assert len(org_attachments(sb)) == len(expected) + 39, [m["id"] for m in new]
    sb.control.reset_requests()
    loader.run(sb, [TABLE], tuning=Tuning(page_size=25))
    assert landed(loader) == org_attachments(sb)
    # the 40 new messages fill two pages of 25; the third reaches the last run's messages
    assert sb.control.requests("GET", "/v1/messages") <= 3
