"""`message_attachments` on S3: the Delta tables of dlt's filesystem destination hold the org's
attachment metadata, with new messages' attachments on later runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.attachments import TABLE, org_attachments
from helpers.readers import DeltaReader
from helpers.s3 import cli_args, load

from kustomer_sandbox import Sandbox


@pytest.mark.usefixtures("bucket")
def test_attachments_on_s3_delta_tables(fresh_sandbox: Sandbox, tmp_path: Path) -> None:
    """The Delta merge of the filesystem destination takes a table with no `updated_at`."""
    sb = fresh_sandbox
    args = cli_args(tmp_path, ["messages", TABLE])
    reader = DeltaReader(load(sb, args))
    query = (
        f"select id, message_id, conversation_id, name, content_type, content_length from {TABLE}"
    )
    assert {row[0]: tuple(row[1:]) for row in reader.query(query)} == org_attachments(sb)
    sb.control.advance_clock(600)
    for k in range(5):
        sb.control.create("messages", attachments=1 + k % 2)
    load(sb, args)
    rows = reader.query(query)
    assert len(rows) == len({row[0] for row in rows})
    assert {row[0]: tuple(row[1:]) for row in rows} == org_attachments(sb)
