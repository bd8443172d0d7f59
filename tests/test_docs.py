"""docs/manifest.md is generated from the schema (make docs) and must be current."""
import subprocess
import sys

from conftest import ROOT


def test_manifest_reference_is_current():
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "gen_manifest_doc.py"),
                        str(ROOT / "schema" / "sparta.schema.json")],
                       capture_output=True, text=True, check=True)
    current = (ROOT / "docs" / "manifest.md").read_text(encoding="utf-8")
    assert r.stdout == current, "docs/manifest.md is stale: run 'make docs'"


def test_reference_covers_every_top_level_property():
    import json
    schema = json.loads((ROOT / "schema" / "sparta.schema.json").read_text())
    doc = (ROOT / "docs" / "manifest.md").read_text(encoding="utf-8")
    for name in schema["properties"]:
        assert f"### `{name}`" in doc, name
