"""tools/structure.py, the layering checker `make check` runs: it passes on
the tree, and each rule fails on a tree made to break it."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT / "tools" / "structure.py"


def run(src):
    return subprocess.run([sys.executable, str(TOOL), str(src)],
                          capture_output=True, text=True, timeout=60)


def tree(tmp_path, files):
    for name, text in files.items():
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return tmp_path


GOOD = {
    "base/util.h": "#define X 1\n",
    "front/node.h": '#include "base/util.h"\n',
    "cli/main.c": '#include "front/node.h"\nint\nmain(void)\n{\n\texit(0);\n}\n',
}


def test_the_tree_passes():
    r = run(ROOT / "src")
    assert r.returncode == 0, r.stderr
    assert "include graph of src/" in r.stdout


def test_a_clean_small_tree_passes(tmp_path):
    r = run(tree(tmp_path, GOOD))
    assert r.returncode == 0, r.stderr
    assert "front     -> base (1)" in r.stdout


@pytest.mark.parametrize("files,expect", [
    ({"base/util.h": '#include "front/node.h"\n', "front/node.h": "\n"},
     "stage base may not depend on front"),
    ({"front/a.h": '#include "compile/b.h"\n', "compile/b.h": '#include "front/a.h"\n'},
     "stage front may not depend on compile"),
    ({"converge/x.c": '#include "aws/internal.h"\n', "aws/internal.h": "\n"},
     "private to src/aws/"),
    ({"front/loader.c": "void\nf(void)\n{\n\texit(70);\n}\n"},
     "calls exit()"),
    ({"front/big.c": "int x;\n" * 1201}, "1201 lines"),
    ({"front/long.c": "void\nf(void)\n{\n" + "\tx();\n" * 120 + "}\n"},
     "f is 123 lines"),
    ({"base/a.h": '#include "base/b.h"\n', "base/b.h": '#include "base/a.h"\n'},
     "include cycle"),
])
def test_each_rule_can_fail(tmp_path, files, expect):
    r = run(tree(tmp_path, {**GOOD, **files}))
    assert r.returncode == 1
    assert expect in r.stderr, r.stderr


def test_a_comment_or_string_is_not_a_call(tmp_path):
    r = run(tree(tmp_path, {**GOOD, "front/x.c":
                            '/* exit(1) here */\nconst char *s = "exit(2)";\n'}))
    assert r.returncode == 0, r.stderr
