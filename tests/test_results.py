"""Recorded experiments: one meta schema, written and read through lstmlib.results."""
import json

import pytest

from lstmlib.results import META_KEYS, RESULTS_DIR, load_results, merge_parts, metadata, write_json

RECORDED = sorted(p.stem for p in RESULTS_DIR.glob("*.json"))


def test_every_chapter_result_is_recorded():
    assert len(RECORDED) >= 8


@pytest.mark.parametrize("name", RECORDED)
def test_every_recorded_file_has_the_one_meta_schema(name):
    record = load_results(name)
    assert set(record["meta"]) == set(META_KEYS)
    assert isinstance(record["description"], str) and record["description"]


def test_write_refuses_a_file_without_the_schema(tmp_path):
    with pytest.raises(ValueError, match=r"expected a 'meta' block with keys \['date', 'machine'"):
        write_json(tmp_path / "x.json", {"machine": "laptop", "runs": []})
    with pytest.raises(ValueError, match=r"name: expected a result name such as 'head_to_head', got 'x.json'"):
        load_results("x.json", tmp_path)
    with pytest.raises(FileNotFoundError, match="name: no recorded result 'missing'"):
        load_results("missing", tmp_path)


def test_parts_merge_runs_and_sum_seconds(tmp_path):
    parts = []
    for k, seconds in enumerate((1.5, 2.0)):
        meta = metadata(seconds)
        part = {"description": "d", "meta": meta, "tasks": {"t": {"runs": {"lstm": [k]}}}}
        write_json(tmp_path / f"p{k}.json", part)
        parts.append(tmp_path / f"p{k}.json")
    merged = merge_parts(parts)
    assert merged["tasks"]["t"]["runs"]["lstm"] == [0, 1]
    assert merged["meta"]["seconds"] == 3.5 and set(merged["meta"]) == set(META_KEYS)
    write_json(tmp_path / "merged.json", merged)
    assert load_results("merged", tmp_path) == json.loads((tmp_path / "merged.json").read_text())
