"""reports/metadata.yml against the schema the migrations build: every table, view and column is
described, nothing described is gone, every facet, sort and label names a real column, and every
canned query runs on an empty archive."""

from __future__ import annotations

import asyncio

import pytest

from archive import open_db
from policydiff.serve import build_datasette, load_metadata


@pytest.fixture(scope="module")
def empty_archive(tmp_path_factory):
    path = tmp_path_factory.mktemp("metadata") / "empty.db"
    open_db(path).close()
    return path


@pytest.fixture(scope="module")
def schema(empty_archive) -> dict[str, list[str]]:
    """Table and view names with their columns, Datasette's FTS tables aside (Datasette hides them)."""
    db = open_db(empty_archive)
    names = [r[0] for r in db.execute(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'"
        " AND name NOT LIKE 'versions_fts%' ORDER BY name")]
    columns = {name: [c[1] for c in db.execute(f"PRAGMA table_info([{name}])")] for name in names}
    db.close()
    return columns


@pytest.fixture(scope="module")
def described() -> dict:
    return load_metadata("empty")["databases"]["empty"]


def test_every_table_view_and_column_is_described(schema, described):
    tables = described["tables"]
    missing_tables = sorted(set(schema) - set(tables))
    assert not missing_tables, f"describe these in reports/metadata.yml: {missing_tables}"
    for name, columns in schema.items():
        assert tables[name].get("description"), name
        missing = [c for c in columns if not tables[name].get("columns", {}).get(c)]
        assert not missing, f"reports/metadata.yml: {name}: describe columns {missing}"


def test_nothing_described_is_gone_from_the_schema(schema, described):
    assert not set(described["tables"]) - set(schema)
    for name, table in described["tables"].items():
        assert not set(table.get("columns", {})) - set(schema[name]), name


def test_facets_sorts_and_labels_name_real_columns(schema, described):
    for name, table in described["tables"].items():
        for key in ("sort", "sort_desc", "label_column", "fts_pk"):
            if key in table:
                assert table[key] in schema[name], (name, key)
        for facet in table.get("facets", []):
            assert facet in schema[name], (name, facet)
    assert described["tables"]["policies"]["label_column"] == "name"
    assert described["tables"]["fetches"]["facets"][:2] == ["policy", "outcome"]
    assert "code" in described["tables"]["findings"]["facets"]


def test_database_key_follows_the_file_name():
    metadata = load_metadata("policy.archive", base_url="/web/")
    assert list(metadata["databases"]) == ["policy.archive"]
    assert 'href="/web/policy~2Earchive/latest_changes"' in metadata["description_html"]
    assert list(load_metadata("x")["databases"]) == ["x"]  # the file's metadata is not mutated


def test_canned_queries_and_tables_answer_on_an_empty_archive(empty_archive, schema, described):
    datasette = build_datasette(empty_archive)
    loop = asyncio.new_event_loop()
    try:
        paths = [f"/empty/{name}" for name in schema]
        paths += [f"/empty/{name}?policy=x&days=1&q=x" for name in described["queries"]]
        paths += ["/", "/empty", "/empty/changes_feed.atom", "/-/policydiff/policies/x"]
        responses = {path: loop.run_until_complete(datasette.client.get(path)) for path in paths}
    finally:
        loop.close()
        datasette.get_database("empty").close()
    assert responses.pop("/-/policydiff/policies/x").status_code == 404
    assert {path for path, response in responses.items() if response.status_code != 200} == set()
    # datasette-atom fails on an empty feed: until the first change, the feed says there is none.
    assert "No policy changes recorded yet" in responses["/empty/changes_feed.atom"].text
