"""The loader's documented limits (src/front/loader.h) at and past their edges,
what it does with hostile input (billion laughs, deep nesting, endless
files, bad UTF-8), and the CloudFormation short-form tags turned into their
long form.

Every limit is tested on both sides: the last accepted size must load, the
first refused one must give its own code, with the process exiting 1 and
never dying from a signal.
"""
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from conftest import BUILD, ROOT, SPARTAC, VALGRIND, need, spartac_cmd

MAX_BYTES = 4 * 1024 * 1024
MAX_DEPTH = 64
ALIAS_BUDGET = 100000
NODE_BUDGET = 1000000
SANITIZED = bool(os.environ.get("SPARTAC_SANITIZER")) or VALGRIND

EXIT_INVALID = 1


def cmd(path, *args):
    """spartac validate --format json PATH. Inputs of more than 64 KiB run
    without the valgrind wrapper (minutes each under valgrind); the
    ASan+UBSan pass runs them instrumented."""
    argv = ["validate", "--format", "json", *args, str(path)]
    try:
        big = os.stat(path).st_size > 64 * 1024 or not os.path.isfile(path)
    except OSError:
        big = False
    return [str(SPARTAC), *argv] if big else spartac_cmd(*argv)


def run_validate(path, cwd=None, timeout=120):
    """Runs `spartac validate --format json PATH`; returns (status, diags,
    seconds, stderr)."""
    env = dict(os.environ, LC_ALL="C")
    env.pop("NO_COLOR", None)
    t0 = time.monotonic()
    p = subprocess.Popen(cmd(path), cwd=cwd,
                         env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = p.communicate(timeout=timeout)
    elapsed = time.monotonic() - t0
    assert p.returncode >= 0, f"killed by signal {-p.returncode}; stderr:\n{err.decode(errors='replace')}"
    diags = json.loads(out) if out.strip() else []
    return p.returncode, diags, elapsed, err


def run_measured(path, tmp, cwd=None, timeout=120):
    """Like run_validate, but also returns the child's peak RSS in KiB, as
    GNU time reports it. Measuring from Python (wait4 on a fork) would count
    the pytest process the child was forked from, not spartac."""
    need("time")
    env = dict(os.environ, LC_ALL="C")
    env.pop("NO_COLOR", None)
    report = tmp / "time.out"
    t0 = time.monotonic()
    p = subprocess.run([shutil.which("time"), "-f", "%M", "-o", str(report),
                        *cmd(path)],
                       cwd=cwd, env=env, capture_output=True, timeout=timeout)
    elapsed = time.monotonic() - t0
    text = report.read_text()
    assert "signal" not in text, text  # GNU time: "Command terminated by signal N"
    assert p.returncode >= 0, f"killed by signal {-p.returncode}"
    rss = int(text.strip().splitlines()[-1])
    diags = json.loads(p.stdout) if p.stdout.strip() else []
    return p.returncode, diags, elapsed, rss, p.stderr


def codes(diags):
    return [d["code"] for d in diags]


HEAD = "service: limits\nfunctions:\n  hello:\n    symbol: hello\n"


# ---- file size ----

def test_size_at_limit_is_read(spartac, tmp_path):
    f = tmp_path / "sparta.yaml"
    pad = MAX_BYTES - len(HEAD)
    f.write_bytes(HEAD.encode() + b"#" * (pad - 1) + b"\n")
    assert f.stat().st_size == MAX_BYTES
    status, diags, _, err = run_validate(f)
    assert "E-FILE-TOO-LARGE" not in codes(diags), diags
    assert "E-FILE-READ" not in codes(diags), diags


def test_size_past_limit_is_refused(spartac, tmp_path):
    f = tmp_path / "sparta.yaml"
    pad = MAX_BYTES + 1 - len(HEAD)
    f.write_bytes(HEAD.encode() + b"#" * (pad - 1) + b"\n")
    assert f.stat().st_size == MAX_BYTES + 1
    status, diags, _, _ = run_validate(f)
    assert status == EXIT_INVALID
    assert codes(diags) == ["E-FILE-TOO-LARGE"]


def test_huge_sparse_file_is_refused_without_reading_it(spartac, tmp_path):
    f = tmp_path / "sparta.yaml"
    with open(f, "wb") as fp:
        fp.write(HEAD.encode())
        fp.truncate(8 * 1024 * 1024 * 1024)  # 8 GiB, sparse: costs no disk
    status, diags, elapsed, rss, _ = run_measured(f, tmp=tmp_path)
    assert status == EXIT_INVALID
    assert codes(diags) == ["E-FILE-TOO-LARGE"]
    if not SANITIZED:
        assert elapsed < 1.0
        assert rss < 64 * 1024, f"peak RSS {rss} KiB"


def test_endless_device_is_refused(spartac, tmp_path):
    # /dev/zero has no size; the reader must stop at the limit by itself.
    status, diags, elapsed, rss, _ = run_measured("/dev/zero", tmp=tmp_path)
    assert status == EXIT_INVALID
    assert codes(diags) == ["E-FILE-TOO-LARGE"]
    if not SANITIZED:
        assert elapsed < 2.0
        assert rss < 64 * 1024, f"peak RSS {rss} KiB"


# ---- nesting depth ----

def block_nest(levels):
    """A document whose deepest mapping is at `levels` (the root is 1)."""
    lines = ["root:"]
    for i in range(levels - 1):
        lines.append("  " * (i + 1) + f"k{i + 2}:")
    lines[-1] += " leaf"
    return "\n".join(lines) + "\n"


def flow_nest(levels):
    """A root mapping holding sequences nested so the deepest is `levels`."""
    return "root: " + "[" * (levels - 1) + "]" * (levels - 1) + "\n"


@pytest.mark.parametrize("make", [block_nest, flow_nest], ids=["block", "flow"])
def test_depth_at_limit_loads(spartac, tmp_path, make):
    f = tmp_path / "deep.yaml"
    f.write_text(make(MAX_DEPTH))
    _, diags, _, _ = run_validate(f)
    assert "E-YAML-DEPTH" not in codes(diags), diags


@pytest.mark.parametrize("make", [block_nest, flow_nest], ids=["block", "flow"])
def test_depth_past_limit_is_refused(spartac, tmp_path, make):
    f = tmp_path / "deep.yaml"
    f.write_text(make(MAX_DEPTH + 1))
    status, diags, _, _ = run_validate(f)
    assert status == EXIT_INVALID
    assert codes(diags) == ["E-YAML-DEPTH"]


@pytest.mark.parametrize("depth", [100000, 1000000])
def test_deep_flow_sequence_is_refused_without_crash(spartac, tmp_path, depth):
    f = tmp_path / "deep.yaml"
    f.write_text("service: deep\nresources: " + "[" * depth + "]" * depth + "\n")
    status, diags, elapsed, rss, _ = run_measured(f, tmp=tmp_path)
    assert status == EXIT_INVALID
    assert codes(diags) == ["E-YAML-DEPTH"]
    assert (diags[0]["line"], diags[0]["column"]) == (2, 12 + MAX_DEPTH - 1)
    if not SANITIZED:
        assert elapsed < 1.0
        assert rss < 64 * 1024, f"peak RSS {rss} KiB"


def test_deep_unclosed_flow_sequence(spartac, tmp_path):
    # No closing brackets at all: libyaml must not be the one that recurses.
    f = tmp_path / "deep.yaml"
    f.write_text("service: deep\nresources: " + "[" * 200000 + "\n")
    status, diags, _, _ = run_validate(f)
    assert status == EXIT_INVALID
    assert codes(diags) == ["E-YAML-DEPTH"]


# ---- aliases and node budget ----

def aliases(n):
    return "base: &a x\nrefs:\n" + "  - *a\n" * n


def test_alias_budget_at_limit_loads(spartac, tmp_path):
    f = tmp_path / "aliases.yaml"
    f.write_text(aliases(ALIAS_BUDGET))
    _, diags, _, _ = run_validate(f)
    assert "E-YAML-ALIAS-BUDGET" not in codes(diags), diags[:3]


def test_alias_budget_past_limit_is_refused(spartac, tmp_path):
    f = tmp_path / "aliases.yaml"
    f.write_text(aliases(ALIAS_BUDGET + 1))
    status, diags, _, _ = run_validate(f)
    assert status == EXIT_INVALID
    assert codes(diags) == ["E-YAML-ALIAS-BUDGET"]
    # The alias that goes past the budget is the last one.
    assert (diags[0]["line"], diags[0]["column"]) == (3 + ALIAS_BUDGET, 5)


def billion_laughs(levels=10, fanout=10):
    lines = ['l0: &l0 "lol"']
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * fanout) + "]")
    lines.append("bomb: [" + ", ".join([f"*l{levels - 1}"] * fanout) + "]")
    return "\n".join(lines) + "\n"


def test_billion_laughs_is_refused_fast_in_bounded_memory(spartac, tmp_path):
    """Acceptance: 10 levels of 10 aliases (10^10 nodes expanded) refused in
    under 1 s with peak memory under 64 MiB."""
    f = tmp_path / "lol.yaml"
    f.write_text(billion_laughs())
    status, diags, elapsed, rss, _ = run_measured(f, tmp=tmp_path)
    assert status == EXIT_INVALID
    assert codes(diags) == ["E-YAML-ALIAS-BUDGET"]
    if not SANITIZED:
        assert rss < 64 * 1024, f"peak RSS {rss} KiB"
        assert elapsed < 1.0, f"{elapsed:.3f} s"


def test_memory_is_a_small_multiple_of_the_input(spartac, tmp_path):
    """Issue 19: a 3.6 MB manifest of 300,000 keys peaked at 107 MB. The
    loader's memory is bounded relative to the input (docs/decisions.md,
    "Loading"): validate's peak RSS over that of a one-line manifest is at
    most 16 times the file's size (measured: about 14.5)."""
    small = tmp_path / "small.yaml"
    small.write_text("service: small\n")
    _, _, _, base, _ = run_measured(small, tmp=tmp_path)
    f = tmp_path / "keys.yaml"
    f.write_text("service: keys\ntags:\n" + "".join(f"  k{i}: v\n" for i in range(300000)))
    size = f.stat().st_size
    assert 3_500_000 < size < MAX_BYTES
    status, diags, _, rss, err = run_measured(f, tmp=tmp_path)
    assert status == 0, (diags[:3], err[-500:])
    if not SANITIZED:
        assert (rss - base) * 1024 <= 16 * size, \
            f"peak RSS {rss} KiB, {base} KiB for a one-line manifest, input {size} bytes"


def test_node_budget_at_limit_loads(spartac, tmp_path):
    # root map + key + sequence = 3 nodes, then the items.
    f = tmp_path / "nodes.yaml"
    f.write_text("k: [" + "0," * (NODE_BUDGET - 4) + "0]\n")
    _, diags, _, _ = run_validate(f)
    assert "E-YAML-NODE-BUDGET" not in codes(diags), diags[:3]


def test_node_budget_past_limit_is_refused(spartac, tmp_path):
    f = tmp_path / "nodes.yaml"
    f.write_text("k: [" + "0," * (NODE_BUDGET - 3) + "0]\n")
    status, diags, _, _ = run_validate(f)
    assert status == EXIT_INVALID
    assert codes(diags) == ["E-YAML-NODE-BUDGET"]


# ---- UTF-8 ----

# (bytes placed after "description: ", what is wrong with them)
BAD_UTF8 = [
    (b"\x80", "lone continuation byte"),
    (b"\xc1\xbf", "overlong 2-byte form of U+007F"),
    (b"\xe0\x80\x80", "overlong 3-byte NUL"),
    (b"\xed\xbf\xbf", "UTF-16 surrogate U+DFFF"),
    (b"\xf4\x90\x80\x80", "past U+10FFFF"),
    (b"\xf5\x80\x80\x80", "lead byte 0xf5"),
    (b"\xfe", "byte 0xfe"),
    (b"\xe2\x82", "truncated before the newline"),
]


@pytest.mark.parametrize("bad,why", BAD_UTF8, ids=[w for _, w in BAD_UTF8])
def test_invalid_utf8_points_at_the_bad_sequence(spartac, tmp_path, bad, why):
    f = tmp_path / "sparta.yaml"
    f.write_bytes(b"service: utf8\n# caf\xc3\xa9 \xe2\x82\xac\ndescription: ok " + bad + b" end\n")
    status, diags, _, _ = run_validate(f)
    assert status == EXIT_INVALID
    assert codes(diags) == ["E-YAML-UTF8"], diags
    # Line 3, column of the first byte of the bad sequence (1-based).
    assert (diags[0]["line"], diags[0]["column"]) == (3, 17), diags[0]
    m = re.search(r"byte 0x([0-9a-f]{2})", diags[0]["message"])
    assert m and int(m.group(1), 16) == bad[0], diags[0]["message"]


def test_truncated_sequence_at_end_of_file(spartac, tmp_path):
    f = tmp_path / "sparta.yaml"
    f.write_bytes(b"service: utf8\ndescription: ok \xe2\x82")
    status, diags, _, _ = run_validate(f)
    assert status == EXIT_INVALID
    assert codes(diags) == ["E-YAML-UTF8"], diags
    assert (diags[0]["line"], diags[0]["column"]) == (2, 17)


def test_utf8_bom_and_crlf_are_accepted_with_exact_positions(spartac, tmp_path):
    f = tmp_path / "sparta.yaml"
    f.write_bytes(b"\xef\xbb\xbfservice: crlf\r\ndescription: \xc3\xa9t\xc3\xa9\r\n"
                  b"service: again\r\n")
    status, diags, _, _ = run_validate(f)
    assert status == EXIT_INVALID
    assert codes(diags) == ["E-YAML-DUPLICATE-KEY"], diags
    assert (diags[0]["line"], diags[0]["column"]) == (3, 1)


def test_columns_count_characters_not_bytes(spartac, tmp_path):
    f = tmp_path / "sparta.yaml"
    f.write_bytes("service: x\nresources:\n  é€😀: {a: 1, a: 2}\n".encode())
    _, diags, _, _ = run_validate(f)
    assert codes(diags) == ["E-YAML-DUPLICATE-KEY"]
    assert (diags[0]["line"], diags[0]["column"]) == (3, 15)


# ---- the located tree, through tests/tools/dump_tree.c ----

def _pkgs():
    m = re.search(r"^PKGS\s*:?=\s*(.+)$", (ROOT / "Makefile").read_text(), re.M)
    return m.group(1).split()


@pytest.fixture(scope="session")
def dump_tree(tmp_path_factory):
    lib = BUILD / "libspartac.a"
    if not lib.exists():
        pytest.fail(f"{lib} is missing: run 'make unit' (make check builds it)")
    out = tmp_path_factory.mktemp("dump") / "dump_tree"
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", *_pkgs()],
                           capture_output=True, text=True, check=True).stdout.split()
    san = os.environ.get("SPARTAC_SANITIZER")
    sanflags = [f"-fsanitize={san}", "-fno-omit-frame-pointer"] if san else []
    cc = os.environ.get("CC", "cc")
    subprocess.run([cc, "-std=c11", "-D_POSIX_C_SOURCE=200809L", "-Wall", "-Werror",
                    *sanflags, f"-I{ROOT / 'src'}", f"-I{BUILD / 'gen'}", "-o", str(out),
                    str(ROOT / "tests" / "tools" / "dump_tree.c"), str(lib), *flags, "-lm"],
                   check=True)

    def load(text, tmp):
        f = tmp / "tree.yaml"
        f.write_text(text)
        r = subprocess.run([str(out), str(f)], capture_output=True, text=True, timeout=60)
        assert r.returncode in (0, 1), r.stderr
        return (json.loads(r.stdout) if r.stdout else None), json.loads(r.stderr)
    return load


SHORT_FORMS = [
    ("!Ref Orders", {"Ref": "Orders"}),
    ("!GetAtt Orders.Arn", {"Fn::GetAtt": ["Orders", "Arn"]}),
    ("!GetAtt Db.Endpoint.Address", {"Fn::GetAtt": ["Db", "Endpoint.Address"]}),
    ("!GetAtt [Orders, Arn]", {"Fn::GetAtt": ["Orders", "Arn"]}),
    ('!Sub "arn:aws:s3:::${Bucket}/*"', {"Fn::Sub": "arn:aws:s3:::${Bucket}/*"}),
    ('!Sub ["${A}-x", {A: !Ref B}]', {"Fn::Sub": ["${A}-x", {"A": {"Ref": "B"}}]}),
    ('!Join ["", [a, !Ref B]]', {"Fn::Join": ["", ["a", {"Ref": "B"}]]}),
    ('!Select [0, !GetAZs ""]', {"Fn::Select": [0, {"Fn::GetAZs": ""}]}),
    ('!Split [",", "a,b"]', {"Fn::Split": [",", "a,b"]}),
    ("!If [IsProd, big, small]", {"Fn::If": ["IsProd", "big", "small"]}),
    ("!Equals [!Ref Env, prod]", {"Fn::Equals": [{"Ref": "Env"}, "prod"]}),
    ("!Not [!Condition IsProd]", {"Fn::Not": [{"Condition": "IsProd"}]}),
    ("!And [!Condition A, !Condition B]",
     {"Fn::And": [{"Condition": "A"}, {"Condition": "B"}]}),
    ("!Or [!Condition A, !Condition B]",
     {"Fn::Or": [{"Condition": "A"}, {"Condition": "B"}]}),
    ("!FindInMap [Map, !Ref AWS::Region, Ami]",
     {"Fn::FindInMap": ["Map", {"Ref": "AWS::Region"}, "Ami"]}),
    ("!Base64 hello", {"Fn::Base64": "hello"}),
    ('!Cidr ["10.0.0.0/16", 4, 8]', {"Fn::Cidr": ["10.0.0.0/16", 4, 8]}),
    ('!GetAZs ""', {"Fn::GetAZs": ""}),
    ("!GetAZs {Ref: AWS::Region}", {"Fn::GetAZs": {"Ref": "AWS::Region"}}),
    ("!ImportValue network-VpcId", {"Fn::ImportValue": "network-VpcId"}),
    ('!ImportValue {"Fn::Sub": "${Env}-VpcId"}',
     {"Fn::ImportValue": {"Fn::Sub": "${Env}-VpcId"}}),
    ("!Condition IsProd", {"Condition": "IsProd"}),
]


@pytest.mark.parametrize("short,long", SHORT_FORMS, ids=[s for s, _ in SHORT_FORMS])
def test_short_form_becomes_long_form(dump_tree, tmp_path, short, long):
    tree, diags = dump_tree(f"v: {short}\n", tmp_path)
    assert diags == []
    assert tree == {"v": long}


def test_short_forms_keep_working_in_block_style(dump_tree, tmp_path):
    text = ("Outputs:\n"
            "  Url:\n"
            "    Value: !Join\n"
            "      - ''\n"
            "      - - https://\n"
            "        - !Ref Api\n"
            "        - .execute-api.\n"
            "        - !Ref AWS::Region\n")
    tree, diags = dump_tree(text, tmp_path)
    assert diags == []
    assert tree == {"Outputs": {"Url": {"Value": {"Fn::Join": [
        "", ["https://", {"Ref": "Api"}, ".execute-api.", {"Ref": "AWS::Region"}]]}}}}


SCALARS = [
    ("yes", "yes"), ("no", "no"), ("on", "on"), ("off", "off"), ("y", "y"),
    ("true", True), ("False", False), ("~", None), ("null", None), ("", None),
    ("012", 12), ("0o17", 15), ("0x1f", 31), ("-7", -7), ("1e3", 1000.0), ("1.5", 1.5),
    ("128MB", "128MB"), ('"true"', "true"), ("'12'", "12"), ("1_000", "1_000"),
    ("2024-01-01", "2024-01-01"), ("9223372036854775807", 9223372036854775807),
]


@pytest.mark.parametrize("text,value", SCALARS, ids=[t or "empty" for t, _ in SCALARS])
def test_scalars_resolve_as_yaml_1_2_core(dump_tree, tmp_path, text, value):
    tree, diags = dump_tree(f"v: {text}\n", tmp_path)
    # YAML 1.1 reads these otherwise: resolved as 1.2 says, with a warning
    trap = {"yes": "W-YAML-BOOLEAN-WORD", "no": "W-YAML-BOOLEAN-WORD",
            "on": "W-YAML-BOOLEAN-WORD", "off": "W-YAML-BOOLEAN-WORD",
            "y": "W-YAML-BOOLEAN-WORD", "012": "W-YAML-LEADING-ZERO"}.get(text)
    assert codes(diags) == ([trap] if trap else [])
    assert all((d["line"], d["column"]) == (1, 4) for d in diags)
    assert tree == {"v": value}


def test_standard_tags(dump_tree, tmp_path):
    tree, diags = dump_tree("a: !!str 123\nb: !!str true\n", tmp_path)
    assert diags == []
    assert tree == {"a": "123", "b": "true"}
