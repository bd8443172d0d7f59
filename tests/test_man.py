"""man/spartac.1: mandoc-lint clean, every diagnostic code explained, the
loader's limits stated as src/front/loader.h defines them."""
import re
import subprocess

from conftest import ROOT, need

MAN = ROOT / "man" / "spartac.1"


def catalogue():
    text = (ROOT / "src" / "base" / "diag_codes.h").read_text()
    return re.findall(r'^DIAG\(\s*\w+\s*,\s*\w+\s*,\s*"([A-Z0-9-]+)"', text, re.M)


def section(name):
    m = re.search(rf"^\.Sh {name}\n(.*?)(?=^\.Sh |\Z)", MAN.read_text(), re.M | re.S)
    assert m, f"no {name} section in {MAN}"
    return m.group(1)


def test_mandoc_lint_is_clean():
    need("mandoc")
    r = subprocess.run(["mandoc", "-T", "lint", "-W", "warning", str(MAN)],
                       capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout == "" and r.stderr == "", r.stdout + r.stderr


def explained_codes():
    """{code: explanation text} from the DIAGNOSTICS section's tag list."""
    out = {}
    parts = re.split(r"^\.It Li ([A-Z]-[A-Z0-9-]+)\s*$", section("DIAGNOSTICS"), flags=re.M)
    for code, body in zip(parts[1::2], parts[2::2]):
        body = body.split("\n.El", 1)[0]
        words = re.sub(r"^\.\S+", "", body, flags=re.M)
        out[code] = words.strip()
    return out


def test_every_code_is_explained():
    codes = catalogue()
    assert codes
    explained = explained_codes()
    missing = [c for c in codes if c not in explained]
    assert missing == [], f"codes without an entry in DIAGNOSTICS: {missing}"
    empty = [c for c in codes if len(explained[c].split()) < 3]
    assert empty == [], f"codes with no real explanation: {empty}"


def test_no_code_is_explained_that_does_not_exist():
    stale = sorted(set(explained_codes()) - set(catalogue()))
    assert stale == [], f"DIAGNOSTICS documents codes spartac never emits: {stale}"


def test_limits_match_the_loader():
    header = (ROOT / "src" / "front" / "loader.h").read_text()

    def define(name):
        m = re.search(rf"#define {name}\s+\(?(\d+)u?(?:\s*\*\s*(\d+)\s*\*\s*(\d+))?\)?", header)
        assert m, name
        v = int(m.group(1))
        if m.group(2):
            v *= int(m.group(2)) * int(m.group(3))
        return v

    limits = section("LIMITS")
    flat = re.sub(r"\s+", " ", re.sub(r"^\.\S+ ?", "", limits, flags=re.M))

    def mentioned(n):
        forms = {str(n), f"{n:,}"}
        if n % (1024 * 1024) == 0:
            forms.add(f"{n // (1024 * 1024)} MiB")
        return any(re.search(rf"(?<![\d,]){re.escape(f)}(?![\d,])", flat) for f in forms)

    for name in ("YAML_MAX_BYTES", "YAML_MAX_DEPTH", "YAML_ALIAS_BUDGET", "YAML_NODE_BUDGET"):
        n = define(name)
        assert mentioned(n), f"LIMITS does not state {name} = {n}: {flat!r}"
