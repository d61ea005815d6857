"""What a killed chunked first load left of a chunk pipeline (`chunk_loads.settle_leftovers`):
a chunk whose extract ended and saved its state is loaded from what it read; one killed between
dlt committing its extracted package and saving the state that goes with it (the chunk's note of
where its object got, the pipeline's schema) is read again, never loaded without that note."""

from __future__ import annotations

import shutil
from pathlib import Path

import dlt
import pytest

from kustomer_runner.chunk_loads import ChunkQueue, chunk_dir, chunk_pipeline, settle_leftovers
from kustomer_runner.chunks import ChunkPlan
from kustomer_runner.normalizer import Normalizer


def leftover(tmp_path: Path, state_saved: bool) -> tuple[dlt.Pipeline, ChunkQueue]:
    """A main pipeline and the queue of a plan of one object (`notes`), with the notes window's
    chunk pipeline left extracted, its state saved or as it was before the extract."""
    main = dlt.pipeline(
        pipeline_name="kustomer",
        destination=dlt.destinations.duckdb(str(tmp_path / "org.duckdb")),
        dataset_name="kustomer",
        pipelines_dir=str(tmp_path / "pipelines"),
    )
    plan = ChunkPlan("2026-11-01T00:00:00.000Z", "2024-11-09T00:00:00.000Z", 40)
    queue = ChunkQueue(plan, ["notes"], [], [])
    pipeline = chunk_pipeline(main, "notes")
    with pipeline.managed_state() as state:  # as `extract_chunk` names the plan
        state.setdefault("sources", {})["kustomer"] = {"first_load_plan": {"plan": plan.plan_id}}
    state_file = Path(pipeline.working_dir) / "state.json"
    before = state_file.read_bytes()

    @dlt.source(name="kustomer")
    def notes_source() -> dlt.sources.DltResource:
        return dlt.resource([{"id": "n1"}, {"id": "n2"}], name="notes", primary_key="id")

    pipeline.extract(notes_source())
    if not state_saved:
        state_file.write_bytes(before)
    main.activate()
    return main, queue


def notes_loaded(main: dlt.Pipeline) -> int:
    with main.sql_client() as client:
        try:
            return int(client.execute_sql("select count(*) from notes")[0][0])
        except Exception:  # no table: nothing loaded
            return 0


@pytest.mark.parametrize("state_saved", [True, False], ids=["state saved", "state not saved"])
def test_a_leftover_chunk_is_loaded_only_with_its_state(tmp_path: Path, state_saved: bool) -> None:
    main, queue = leftover(tmp_path, state_saved)
    keys = [chunk.key for chunk in queue.waiting]
    assert "notes" in keys
    normalizer = Normalizer()
    try:
        settle_leftovers(main, queue, normalizer)
    finally:
        normalizer.close()
    assert not chunk_dir(main, "notes").exists()
    waiting = [chunk.key for chunk in queue.waiting]
    if state_saved:  # loaded from what the killed run read
        assert "notes" not in waiting
        assert notes_loaded(main) == 2
    else:  # read again
        assert waiting == keys
        assert notes_loaded(main) == 0
    shutil.rmtree(tmp_path / "pipelines", ignore_errors=True)
