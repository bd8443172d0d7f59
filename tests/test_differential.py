"""The cfn-lint differential, short run (make differential runs 2,000):
200 manifests mutated from the valid corpus and sparta.yaml.example, each
checked by validate, build --template-only and cfn-lint
(tests/differential.py says what must agree). A failure names the seed,
the case and the manifest, which is kept."""
import shutil

from conftest import need
import differential


def test_differential_short_run(spartac, tmp_path):
    need("cfn-lint")
    counts, problems = differential.run(200, 1913, tmp_path, log=print)
    if problems:
        keep = tmp_path.parent / "differential-failed"
        shutil.copytree(tmp_path, keep, dirs_exist_ok=True)
    assert problems == [], "\n".join(
        f"seed 1913 case {i} ({label} + {', '.join(applied)}): {p}"
        for i, label, applied, p in problems)
    # both verdicts are exercised, not just one
    assert counts["accepted"] >= 20 and counts["refused"] >= 20, counts
