"""schema/cfn-types.tsv (the CloudFormation type table compiled into spartac)
is what tools/gen_cfn_types.py writes from the installed cfn-lint, byte for
byte; `make cfn-types` rewrites it after a cfn-lint upgrade."""
import re
import subprocess
import sys

import pytest

from conftest import ROOT

TABLE = ROOT / "schema" / "cfn-types.tsv"


def recorded_version():
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        m = re.match(r"# source: cfn-lint (\S+) ", line)
        if m:
            return m.group(1)
    pytest.fail(f"{TABLE} has no '# source: cfn-lint VERSION' header line")


def test_table_is_what_the_generator_writes():
    cfnlint_version = pytest.importorskip("cfnlint.version").__version__
    recorded = recorded_version()
    if cfnlint_version != recorded:
        pytest.skip(f"the table was written from cfn-lint {recorded}, the installed "
                    f"one is {cfnlint_version}: run 'make cfn-types' to move to it")
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "gen_cfn_types.py")],
                       capture_output=True, timeout=300)
    assert r.returncode == 0, r.stderr.decode()
    assert r.stdout == TABLE.read_bytes(), \
        "schema/cfn-types.tsv is not what tools/gen_cfn_types.py writes: run 'make cfn-types'"


def test_table_shape():
    lines = TABLE.read_text(encoding="utf-8").splitlines()
    rows = [line.split("\t") for line in lines if not line.startswith("#")]
    assert len(rows) > 1000
    assert all(len(row) == 6 for row in rows)
    assert all(len(row[5]) == len(row[4].split()) for row in rows), "a kind per property"
    names = [row[0] for row in rows]
    assert names == sorted(set(names)), "types are unique and sorted (binary search)"
    for row in rows:
        for field in row[1:]:
            items = field.split()
            assert items == sorted(set(items)), row[0]
    assert TABLE.stat().st_size < 450_000  # 4 lists of names per type, and the properties' kinds
