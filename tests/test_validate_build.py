"""validate and build agree on every corpus case.

`spartac validate` makes every check `spartac build` makes except compiling
and writing (issue 13): on each case of tests/manifests/valid,
tests/manifests/invalid and tests/marshal, run in a scratch copy of its
directory, both print the same diagnostics (code, position, path, message,
severity, in the same order) and a refused manifest exits 1 from both. An
accepted one may still fail build's own steps, here always (the copies
have no C sources): build then adds only diagnostics of the build section
of src/base/diag_codes.h (E-BUILD-*, E-HOOK-*, ...) to validate's (the
output is sorted by position), and exits EXIT_BUILD.
"""
import json
import shutil

import pytest

from conftest import ROOT, run
from test_golden import case_args, diag_sections

CORPUS = {
    "valid": ROOT / "tests" / "manifests" / "valid",
    "invalid": ROOT / "tests" / "manifests" / "invalid",
    "marshal": ROOT / "tests" / "marshal",
}
EXIT_OK, EXIT_INVALID, EXIT_BUILD = 0, 1, 3


def build_codes():
    return {c for title, cs in diag_sections().items()
            if title.startswith("build") for c in cs}


def cases():
    return [(f"{d}/{p.stem}", d, p.name)
            for d, path in CORPUS.items() for p in sorted(path.glob("*.yaml"))]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """A copy of each corpus directory (build writes .spartac/ beside the
    manifest)."""
    root = tmp_path_factory.mktemp("corpus")
    for d, path in CORPUS.items():
        shutil.copytree(path, root / d)
    return root


def diags(verb, cwd, name):
    extra = ["--template-only"] if verb == "build-template" else []
    verb = verb.split("-")[0]
    r = run(verb, "--format", "json", *extra, *case_args(cwd / name), name,
            cwd=cwd)
    try:
        out = json.loads(r.stdout) if r.stdout.strip() else []
    except ValueError:
        pytest.fail(f"{verb} {name}: not JSON: {r.stdout!r} {r.stderr!r}")
    return r.returncode, out


@pytest.mark.parametrize("case,d,name", cases(), ids=[c for c, _, _ in cases()])
def test_validate_and_build_agree(corpus, case, d, name):
    cwd = corpus / d
    vs, vd = diags("validate", cwd, name)
    bs, bd = diags("build", cwd, name)
    assert vs in (EXIT_OK, EXIT_INVALID), vd
    if vs == EXIT_INVALID:
        assert bs == EXIT_INVALID, (bs, bd)
        assert bd == vd
        return
    extra = [x for x in bd if x["code"] in build_codes()]
    assert [x for x in bd if x not in extra] == vd
    assert bs == (EXIT_BUILD if extra else EXIT_OK), (bs, bd)


@pytest.mark.parametrize("case,d,name", cases(), ids=[c for c, _, _ in cases()])
def test_template_only_agrees(corpus, case, d, name):
    """build --template-only reads no site and compiles nothing: it prints
    validate's diagnostics but those of the site root on disk."""
    cwd = corpus / d
    vs, vd = diags("validate", cwd, name)
    ts, td = diags("build-template", cwd, name)
    # the site's own checks on disk are validate's and the code build's
    assert td == [x for x in vd if x in td]
    assert all(x["code"] == "E-SITE-ROOT" for x in vd if x not in td), td
    errors = [x for x in td if x["severity"] == "error"]
    assert ts == (EXIT_INVALID if errors else EXIT_OK), (vs, ts, td)


@pytest.mark.parametrize("name", sorted(
    p.name[:-len(".build.err")] for p in CORPUS["marshal"].glob("*.build.err")))
def test_marshal_failures_are_validate_failures(corpus, name):
    """A tests/marshal case that build refuses (NAME.build.err) is refused by
    validate with the same text: NAME.build.err is its expectation too."""
    cwd = corpus / "marshal"
    r = run("validate", "--no-color", *case_args(cwd / (name + ".yaml")),
            name + ".yaml", cwd=cwd)
    assert r.returncode == EXIT_INVALID, r.stderr
    assert r.stdout == ""
    assert r.stderr == (CORPUS["marshal"] / (name + ".build.err")).read_text()


HOOKED = """service: hooked
build:
  sources: [src/*.c]
hooks:
  prebuild: [touch, prebuild-ran]
  premarshal: [touch, premarshal-ran]
functions:
  hello:
    symbol: hello
    environment:
      TABLE: %s
resources:
  Table:
    Type: AWS::SQS::Queue
"""


def hooked_project(tmp_path, ref):
    (tmp_path / "src").mkdir()
    # would not compile: build must refuse the manifest before trying
    (tmp_path / "src" / "hello.c").write_text("this is not C\n")
    (tmp_path / "sparta.yaml").write_text(HOOKED % ref)
    return tmp_path


def test_validate_runs_no_hook(tmp_path):
    root = hooked_project(tmp_path, "!Ref Table")
    r = run("validate", "sparta.yaml", cwd=root)
    assert r.returncode == EXIT_OK, r.stderr
    assert sorted(p.name for p in root.iterdir()) == ["sparta.yaml", "src"]


def test_build_reports_template_errors_before_anything_runs(tmp_path):
    root = hooked_project(tmp_path, "!Ref Tabel")
    r = run("build", "--no-color", "sparta.yaml", cwd=root)
    assert r.returncode == EXIT_INVALID, r.stderr
    assert "[E-MARSHAL-REF-UNKNOWN]" in r.stderr
    assert "E-BUILD" not in r.stderr and "E-HOOK" not in r.stderr
    assert not (root / "prebuild-ran").exists()
    assert not (root / "premarshal-ran").exists()
    assert not (root / ".spartac" / "template.json").exists()
    assert r.stderr == run("validate", "--no-color", "sparta.yaml",
                           cwd=root).stderr
