"""A short libFuzzer run of tests/fuzz/fuzz_load.c (load + schema + model +
every diagnostics format) under ASan and UBSan, seeded with the manifest
corpus. SPARTAC_FUZZ_SECONDS sets the length (default 20); a longer run is
`make fuzz && build-fuzz/fuzz_load -max_total_time=600 CORPUS_DIR`.
"""
import json
import os
import re
import shutil
import subprocess

import pytest

from conftest import ROOT, need

FUZZ = ROOT / "build-fuzz" / "fuzz_load"
SECONDS = int(os.environ.get("SPARTAC_FUZZ_SECONDS", "20"))
CORPUS = ROOT / "tests" / "manifests"


@pytest.fixture(scope="module")
def fuzzer():
    need("clang")
    # make check builds it first (make fuzz); pytest never runs make.
    if not FUZZ.exists():
        pytest.fail(f"{FUZZ} is missing: run 'make fuzz' (make check does)")
    return FUZZ


def seeds():
    return sorted(CORPUS.glob("valid/*.yaml")) + sorted(CORPUS.glob("invalid/*.yaml"))


def dictionary(path):
    """libFuzzer dictionary: the schema's property names as keys, the
    CloudFormation tags and YAML's punctuation, so mutations stay close to
    manifests instead of random bytes."""
    schema = json.loads((ROOT / "schema" / "sparta.schema.json").read_text())
    names = set()

    def walk(s):
        if isinstance(s, dict):
            for k, v in s.items():
                if k == "properties" and isinstance(v, dict):
                    names.update(v)
                walk(v)
        elif isinstance(s, list):
            for v in s:
                walk(v)

    walk(schema)
    tokens = [f"{n}: " for n in sorted(names)]
    tokens += ["!Ref ", "!GetAtt ", "!Sub ", "!Join ", "!If ", "!Select ", "!Condition ",
               "&a ", "*a", "<<: ", "? ", "- ", "---\n", "...\n", "[", "]", "{", "}",
               ", ", "|\n", ">-\n", "\"", "'", "#", "\\u00e9", "GET /", "{id}", "{proxy+}",
               "rate(5 minutes)", "cron(0 3 ? * MON *)", "arn:aws:sqs:us-east-1:123456789012:q"]
    with open(path, "w") as f:
        for t in tokens:
            f.write('"' + "".join(c if c.isprintable() and c not in '"\\' else f"\\x{ord(c):02x}"
                                  for c in t) + '"\n')


def check_clean(r):
    out = r.stdout + r.stderr
    for bad in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                "ERROR: libFuzzer", "==ERROR", "deadly signal"):
        assert bad not in out, out[-4000:]
    assert r.returncode == 0, out[-4000:]


def test_corpus_replays_clean(fuzzer, tmp_path):
    """Every corpus file once, plus hostile ones too big to commit."""
    hostile = tmp_path / "hostile"
    hostile.mkdir()
    (hostile / "deep-flow").write_text("service: x\nresources: " + "[" * 100000 + "]" * 100000)
    laughs = ['l0: &l0 "lol"'] + [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]"
                                  for i in range(1, 10)]
    (hostile / "laughs").write_text("\n".join(laughs) + "\n")
    (hostile / "nul").write_bytes(b"service: x\x00y\n")
    (hostile / "empty").write_bytes(b"")
    # a collection that closes before anything was pushed (UBSan: NULL + 0)
    (hostile / "tab-first").write_bytes(b"s\t- fun'tions: {}\n")
    files = [str(p) for p in seeds()] + [str(p) for p in sorted(hostile.iterdir())]
    r = subprocess.run([str(fuzzer), "-timeout=10", "-rss_limit_mb=1024", *files],
                       capture_output=True, text=True, timeout=600)
    check_clean(r)
    assert len(re.findall(r"^Executed ", r.stderr, re.M)) == len(files), r.stderr[-2000:]


def test_short_fuzz_run(fuzzer, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for p in seeds():
        shutil.copy(p, corpus / p.name)
    dictionary(tmp_path / "manifest.dict")
    r = subprocess.run([str(fuzzer), f"-max_total_time={SECONDS}", "-timeout=10",
                        "-rss_limit_mb=2048", "-max_len=16384", "-print_final_stats=1",
                        f"-dict={tmp_path / 'manifest.dict'}",
                        f"-artifact_prefix={tmp_path}/", str(corpus)],
                       capture_output=True, text=True, timeout=SECONDS + 300)
    check_clean(r)
    artifacts = [p.name for p in tmp_path.iterdir()
                 if p.name.startswith(("crash-", "leak-", "timeout-", "oom-"))]
    assert artifacts == []
    m = re.search(r"stat::number_of_executed_units:\s*(\d+)", r.stderr)
    assert m and int(m.group(1)) > 100 * SECONDS, r.stderr[-2000:]
