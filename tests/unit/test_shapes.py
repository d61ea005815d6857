"""The documented shapes: one per AppFlow object, readable, and in step with the documentation."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from helpers.loading import PACKAGED_SPEC, REPO

from kustomer_source.catalog.shapes import current_user, load_shapes, search_envelope

DOCUMENTED = REPO.parent / "shared" / "research" / "documented"


def test_one_shape_per_appflow_object() -> None:
    tables = [o["table"] for o in json.loads(PACKAGED_SPEC.read_text())["objects"]]
    shapes = load_shapes()
    assert list(shapes) == tables
    undocumented = {t for t, s in shapes.items() if not s.documented}
    assert undocumented == {"chat_settings", "outbound_webhooks_events"}
    assert all(s.sources for s in shapes.values())


def test_documented_facts_the_audit_relies_on() -> None:
    shapes = load_shapes()
    with_org = [t for t, s in shapes.items() if s.relationships and "org" in s.relationships]
    assert len(with_org) >= 42
    assert shapes["conversations"].relationships["messages"].kind == "links"  # type: ignore[index]
    assert shapes["routing_settings"].relationships["queues"].kind == "many"  # type: ignore[index]
    assert shapes["users"].attributes["mobile"].type == "string"
    assert shapes["conversations"].attributes["sentiment"].appflow == "String"
    assert "sentiment" in shapes["conversations"].conflicts
    assert shapes["audit_logs"].envelope.meta == ("count", "total", "cursorCount")
    assert shapes["outbound_accounts"].envelope.records_have_id is False
    assert current_user().relationships is not None and "org" in current_user().relationships
    assert "aggregations" in search_envelope().meta


@pytest.mark.skipif(not DOCUMENTED.is_dir(), reason="needs ../shared/research/documented")
def test_shapes_file_is_derived_from_the_documentation() -> None:
    script = REPO / "scripts" / "derive_shapes.py"
    done = subprocess.run(
        [sys.executable, str(script), "--check", "--documented", str(DOCUMENTED)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
