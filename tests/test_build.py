"""spartac build: the bootstrap, the deterministic code.zip, site.json and the
build diagnostics (missing symbol, compile error, path escapes, glibc
ceiling). The compilers are the real ones (musl-gcc, aarch64-linux-musl-gcc,
gcc); the archive is read back with Python's zipfile."""
import hashlib
import json
import os
import re
import shutil
import struct
import subprocess
import zipfile

import pytest

from conftest import need, run

HELLO_C = r"""#include <sparta/lambda.h>
#include "greet.h"

int
hello_world(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	(void)event;
	(void)len;
	(void)ctx;
	return sparta_write(res, GREETING, sizeof GREETING - 1);
}
"""

MANIFEST = """\
service: hello-world
build:
  sources: [src/*.c]
{build_extra}functions:
  hello:
    symbol: {symbol}
{functions_extra}"""


def make_project(root, symbol="hello_world", build_extra="", functions_extra="",
                 files=None):
    """A hello-world project under root; returns root."""
    (root / "src").mkdir(parents=True, exist_ok=True)
    (root / "src" / "hello.c").write_text(HELLO_C)
    (root / "src" / "greet.h").write_text('#define GREETING "\\"hello\\""\n')
    (root / "sparta.yaml").write_text(MANIFEST.format(
        symbol=symbol, build_extra=build_extra, functions_extra=functions_extra))
    for name, text in (files or {}).items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return root


def build(root, *args, env=None):
    need("musl-gcc")
    return run("build", *args, root / "sparta.yaml", env=env, timeout=120)


def ok(r):
    assert r.returncode == 0, f"exit {r.returncode}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}"
    return r


def tree_times(d):
    """{relative path: (mtime_ns, size)} for every file under d."""
    out = {}
    for dirpath, _, files in os.walk(d):
        for f in files:
            p = os.path.join(dirpath, f)
            st = os.stat(p)
            out[os.path.relpath(p, d)] = (st.st_mtime_ns, st.st_size)
    return out


def elf_machine(path):
    with open(path, "rb") as f:
        head = f.read(20)
    assert head[:4] == b"\x7fELF", f"{path} is not ELF"
    return struct.unpack_from("<H", head, 18)[0]


def line_col(text, needle):
    """1-based line and column of the first occurrence of needle."""
    i = text.index(needle)
    line = text.count("\n", 0, i) + 1
    col = i - (text.rfind("\n", 0, i) + 1) + 1
    return line, col


def test_hello_archive_is_small_with_fixed_modes_and_times(tmp_path):
    root = make_project(tmp_path / "svc")
    ok(build(root))
    out = root / ".spartac"
    zpath = out / "code.zip"
    data = zpath.read_bytes()
    assert len(data) <= 100 * 1024, f"hello-world code.zip is {len(data)} bytes"
    assert (out / "code.sha256").read_text() == hashlib.sha256(data).hexdigest() + "\n"
    with zipfile.ZipFile(zpath) as z:
        infos = z.infolist()
        assert [i.filename for i in infos] == ["bootstrap"]
        boot = infos[0]
        assert boot.date_time == (1980, 1, 1, 0, 0, 0)
        assert boot.create_system == 3  # Unix
        assert boot.external_attr >> 16 == 0o100755
        assert boot.compress_type == zipfile.ZIP_DEFLATED
        assert boot.extra == b""
        assert z.read("bootstrap") == (out / "bootstrap").read_bytes()
    assert os.stat(out / "bootstrap").st_mode & 0o777 == 0o755
    assert elf_machine(out / "bootstrap") == 62  # EM_X86_64
    # Static and stripped: no interpreter, no symbol table.
    r = subprocess.run(["readelf", "-lS", str(out / "bootstrap")],
                       capture_output=True, text=True, check=True)
    assert "INTERP" not in r.stdout and ".symtab" not in r.stdout


def test_two_directories_and_time_zones_give_identical_bytes(tmp_path):
    a = make_project(tmp_path / "a")
    b = make_project(tmp_path / "somewhere" / "much" / "deeper" / "b")
    ok(build(a, env={"TZ": "UTC"}))
    ok(build(b, env={"TZ": "Pacific/Kiritimati"}))
    for name in ("bootstrap", "code.zip", "code.sha256"):
        assert (a / ".spartac" / name).read_bytes() == (b / ".spartac" / name).read_bytes(), name
    # No build path leaks into the binary.
    boot = (b / ".spartac" / "bootstrap").read_bytes()
    assert str(tmp_path).encode() not in boot
    assert b"deeper" not in boot


def test_unchanged_rebuild_rewrites_nothing_and_a_header_change_rebuilds(tmp_path):
    root = make_project(tmp_path / "svc")
    ok(build(root))
    before = tree_times(root / ".spartac")
    r = ok(build(root))
    assert "compiling" not in r.stderr
    assert tree_times(root / ".spartac") == before
    # A header is not in build.sources; the stamp follows it through -MD.
    old = (root / ".spartac" / "code.sha256").read_text()
    (root / "src" / "greet.h").write_text('#define GREETING "\\"changed\\""\n')
    r = ok(build(root))
    assert "compiling" in r.stderr
    assert (root / ".spartac" / "code.sha256").read_text() != old
    assert b'"changed"' in (root / ".spartac" / "bootstrap").read_bytes()


def test_flag_change_rebuilds(tmp_path):
    root = make_project(tmp_path / "svc")
    ok(build(root))
    text = (root / "sparta.yaml").read_text().replace(
        "sources: [src/*.c]", "sources: [src/*.c]\n  cflags: [-Os]")
    (root / "sparta.yaml").write_text(text)
    assert "compiling" in ok(build(root)).stderr


def test_missing_symbol_is_reported_at_its_manifest_line(tmp_path):
    root = make_project(tmp_path / "svc", symbol="hello_wrld")
    r = build(root)
    assert r.returncode == 3, r.stderr
    line, col = line_col((root / "sparta.yaml").read_text(), "hello_wrld")
    want = (f"sparta.yaml:{line}:{col}: error: functions.hello.symbol: symbol "
            f"'hello_wrld' is not defined in build.sources (did you mean "
            f"'hello_world'?) [E-BUILD-SYMBOL-MISSING]")
    assert want in r.stderr
    # Found before linking: no linker error about the table.
    assert "undefined reference" not in r.stderr
    assert not (root / ".spartac" / "code.zip").exists()


def test_static_handler_is_refused(tmp_path):
    root = make_project(
        tmp_path / "svc",
        functions_extra="  other:\n    symbol: helper\n",
        files={"src/x.c": "static int __attribute__((noinline)) helper(void) { return 1; }\n"
                          "int use_helper(void) { return helper(); }\n"})
    r = build(root)
    assert r.returncode == 3
    assert "symbol 'helper' is static in build.sources" in r.stderr
    assert "[E-BUILD-SYMBOL-MISSING]" in r.stderr


def test_compile_error_shows_the_compiler_output(tmp_path):
    root = make_project(tmp_path / "svc", files={
        "src/bad.c": "int broken(void)\n{\n    return nope;\n}\n"})
    r = build(root)
    assert r.returncode == 3
    # The compiler's own message, as it wrote it, relative to the project.
    assert re.search(r"^src/bad\.c:3:12: error: .nope. undeclared", r.stderr, re.M), r.stderr
    assert "compiling src/bad.c failed (musl-gcc exited with status 1) [E-BUILD-COMPILE]" in r.stderr
    line, col = line_col((root / "sparta.yaml").read_text(), "src/*.c")
    assert f"sparta.yaml:{line}:{col}: error: build.sources:" in r.stderr


def test_no_sources(tmp_path):
    root = make_project(tmp_path / "svc")
    text = (root / "sparta.yaml").read_text().replace("src/*.c", "lib/*.c")
    (root / "sparta.yaml").write_text(text)
    r = build(root)
    assert r.returncode == 3
    assert "[E-BUILD-NO-SOURCES]" in r.stderr


def test_source_symlink_out_of_the_project_is_refused(tmp_path):
    outside = tmp_path / "outside.c"
    outside.write_text("int stolen(void) { return 0; }\n")
    root = make_project(tmp_path / "svc")
    os.symlink(outside, root / "src" / "evil.c")
    r = build(root)
    assert r.returncode != 0
    assert "source 'src/evil.c' resolves outside the project directory" in r.stderr
    assert "[E-BUILD-PATH-ESCAPE]" in r.stderr


def test_arm64_static_bootstrap(tmp_path):
    need("aarch64-linux-musl-gcc")
    root = make_project(tmp_path / "svc", build_extra="  architecture: arm64\n")
    ok(build(root))
    boot = root / ".spartac" / "bootstrap"
    assert elf_machine(boot) == 183  # EM_AARCH64
    r = subprocess.run(["readelf", "-l", str(boot)], capture_output=True, text=True, check=True)
    assert "INTERP" not in r.stdout
    with zipfile.ZipFile(root / ".spartac" / "code.zip") as z:
        assert z.getinfo("bootstrap").external_attr >> 16 == 0o100755


def test_glibc_mode_bundles_libraries_with_an_origin_rpath(tmp_path):
    need("gcc")
    root = make_project(
        tmp_path / "svc", build_extra="  link: glibc\n  libs: [cjson]\n",
        files={"src/j.c": "#include <cjson/cJSON.h>\n#include <sparta/lambda.h>\n"
                          "int json_fn(const char *e, size_t l, struct sparta_context *c,\n"
                          "    struct sparta_response *r)\n"
                          "{ cJSON *o = cJSON_ParseWithLength(e, l); (void)c;\n"
                          "  cJSON_Delete(o); return sparta_write(r, \"1\", 1); }\n"},
        functions_extra="  json:\n    symbol: json_fn\n")
    ok(build(root))
    boot = root / ".spartac" / "bootstrap"
    r = subprocess.run(["readelf", "-d", str(boot)], capture_output=True, text=True, check=True)
    assert "Library rpath: [$ORIGIN/lib]" in r.stdout
    assert "Shared library: [libcjson.so.1]" in r.stdout
    with zipfile.ZipFile(root / ".spartac" / "code.zip") as z:
        names = z.namelist()
        assert names == sorted(names)
        assert "lib/libcjson.so.1" in names
        assert not any(n.startswith("lib/libc.so") for n in names)
        info = z.getinfo("lib/libcjson.so.1")
        assert info.external_attr >> 16 == 0o100755
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
    # Unpacked as Lambda unpacks it, the bootstrap finds its copy through
    # $ORIGIN/lib rather than the system's.
    task = tmp_path / "task"
    with zipfile.ZipFile(root / ".spartac" / "code.zip") as z:
        z.extractall(task)
    os.chmod(task / "bootstrap", 0o755)
    need("ldd")
    r = subprocess.run(["ldd", str(task / "bootstrap")], capture_output=True, text=True, check=True)
    assert f"libcjson.so.1 => {task}/lib/libcjson.so.1" in r.stdout, r.stdout


def test_glibc_symbol_newer_than_2_34_is_named(tmp_path):
    need("gcc")
    root = make_project(
        tmp_path / "svc", build_extra="  link: glibc\n",
        files={"src/r.c": "#include <stdlib.h>\n#include <sparta/lambda.h>\n"
                          "int rnd(const char *e, size_t l, struct sparta_context *c,\n"
                          "    struct sparta_response *r)\n"
                          "{ (void)e; (void)l; (void)c;\n"
                          "  return sparta_write_int(r, (long long)arc4random()); }\n"},
        functions_extra="  rnd:\n    symbol: rnd\n")
    r = build(root)
    assert r.returncode == 3
    assert ("the bootstrap needs arc4random@GLIBC_2.36 from libc.so.6; "
            "Amazon Linux 2023 has glibc 2.34 [E-BUILD-GLIBC-SYMBOL]") in r.stderr


SITE_FILES = {
    "site/index.html": "<!doctype html><title>hi</title>\n",
    "site/css/app.css": "body{margin:0}\n",
    "site/js/app.js": "console.log(1)\n",
    "site/img/Logo.PNG": "\x89PNG fake\n",
    "site/data.bin": "raw\n",
}


def test_site_assets_are_hashed(tmp_path):
    root = make_project(tmp_path / "svc", files=SITE_FILES)
    with open(root / "sparta.yaml", "a") as f:
        f.write("site:\n  root: site/\n")
    ok(build(root))
    site = json.loads((root / ".spartac" / "site.json").read_text())
    assert site["root"] == "site"
    assert site["index"] == "index.html"
    paths = [f["path"] for f in site["files"]]
    assert paths == sorted(paths) == ["css/app.css", "data.bin", "img/Logo.PNG",
                                      "index.html", "js/app.js"]
    types = {f["path"]: f["content_type"] for f in site["files"]}
    assert types == {
        "css/app.css": "text/css; charset=utf-8",
        "data.bin": "application/octet-stream",
        "img/Logo.PNG": "image/png",
        "index.html": "text/html; charset=utf-8",
        "js/app.js": "text/javascript; charset=utf-8",
    }
    for f in site["files"]:
        data = (root / "site" / f["path"]).read_bytes()
        assert f["size"] == len(data)
        assert f["sha256"] == hashlib.sha256(data).hexdigest()
    first = site["sha256"]
    before = tree_times(root / ".spartac")
    ok(build(root))
    assert tree_times(root / ".spartac") == before
    (root / "site" / "index.html").write_text("<!doctype html><title>new</title>\n")
    ok(build(root))
    assert json.loads((root / ".spartac" / "site.json").read_text())["sha256"] != first


def test_site_link_out_of_the_project_is_refused(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("do not publish\n")
    root = make_project(tmp_path / "svc", files={"site/index.html": "x\n"})
    os.symlink(secret, root / "site" / "leak.txt")
    with open(root / "sparta.yaml", "a") as f:
        f.write("site:\n  root: site\n")
    r = build(root)
    assert r.returncode == 3
    assert "leak.txt is not a regular file inside the project" in r.stderr
    assert "[E-SITE-ROOT]" in r.stderr


def site_paths(root):
    return [f["path"] for f in
            json.loads((root / ".spartac" / "site.json").read_text())["files"]]


def test_site_leaves_out_dot_files_excluded_names_and_the_build_dir(tmp_path):
    root = make_project(tmp_path / "svc", files={
        "site/index.html": "x\n", "site/.env": "SECRET=1\n",
        "site/.git/config": "[core]\n", "site/.DS_Store": "x",
        "site/.well-known/security.txt": "Contact: x\n",
        "site/.well-known/.hidden": "x", "site/.nojekyll": "",
        "site/img/a.png": "p", "site/img/a.png.map": "{}",
        "site/drafts/next.html": "x", "site/img/drafts": "a file"})
    with open(root / "sparta.yaml", "a") as f:
        f.write('site:\n  root: site\n  exclude: ["*.map", "/drafts"]\n'
                '  include: [.well-known, .nojekyll]\n')
    ok(build(root))
    assert site_paths(root) == [".nojekyll", ".well-known/security.txt",
                                "img/a.png", "img/drafts", "index.html"]
    # A build directory inside the site is not published: site.json never
    # lists itself, so a no-op deploy uploads nothing.
    ok(build(root, "--out", root / "site" / "out"))
    listed = [f["path"] for f in
              json.loads((root / "site" / "out" / "site.json").read_text())["files"]]
    assert listed == site_paths(root)
    shutil.rmtree(root / "site" / "out")
    # Exclude wins over include.
    text = (root / "sparta.yaml").read_text().replace('"/drafts"]', '"/drafts", ".well-known"]')
    (root / "sparta.yaml").write_text(text)
    ok(build(root))
    assert site_paths(root) == [".nojekyll", "img/a.png", "img/drafts", "index.html"]


def test_site_root_that_is_the_project_is_refused(tmp_path):
    root = make_project(tmp_path / "svc", files={".env": "SECRET=1\n", "index.html": "x\n"})
    os.symlink(".", root / "here")
    for site_root in (".", "./", "src/..", "here"):
        text = (root / "sparta.yaml").read_text().split("site:")[0]
        (root / "sparta.yaml").write_text(text + f"site:\n  root: \"{site_root}\"\n")
        r = build(root)
        assert r.returncode in (1, 3), (site_root, r.stderr)
        assert (f"site root '{site_root}' is the project directory, which holds "
                "the manifest; put the site in a directory of its own [E-SITE-ROOT]") in r.stderr
        assert not (root / ".spartac" / "site.json").exists()
    # Refused already by validate, without building: it checks the site
    # root on disk as build does (issue 13), so even through the link.
    r = run("validate", root / "sparta.yaml")
    assert r.returncode == 1 and ("site root 'here' is the project directory"
                                  in r.stderr), r.stderr
    text = (root / "sparta.yaml").read_text().replace('"here"', '"."')
    (root / "sparta.yaml").write_text(text)
    r = run("validate", root / "sparta.yaml")
    assert r.returncode == 1 and "[E-SITE-ROOT]" in r.stderr


def test_example_builds_and_serves_every_function(tmp_path):
    """sparta.yaml.example's sources compile into one bootstrap whose
    dispatch table names every function of the example."""
    from conftest import ROOT
    example = ROOT / "sparta.yaml.example"
    if not example.exists():
        pytest.fail("sparta.yaml.example is missing")
    shutil.copy(example, tmp_path / "sparta.yaml")
    if (ROOT / "examples").exists():
        shutil.copytree(ROOT / "examples", tmp_path / "examples")
    if (ROOT / "site").exists():
        shutil.copytree(ROOT / "site", tmp_path / "site")
    ok(run("build", tmp_path / "sparta.yaml", timeout=120))
    table = (tmp_path / ".spartac" / "work" / "dispatch_table.c").read_text()
    names = re.findall(r'^\t\{"([^"]+)", \w+\},$', table, re.M)
    assert names and names == sorted(names)
    assert (tmp_path / ".spartac" / "code.zip").stat().st_size <= 100 * 1024


def test_output_directory_elsewhere_gives_the_same_bytes(tmp_path):
    root = make_project(tmp_path / "svc")
    ok(build(root))
    ok(build(root, "-o", tmp_path / "elsewhere" / "out"))
    for name in ("bootstrap", "code.zip"):
        assert ((tmp_path / "elsewhere" / "out" / name).read_bytes()
                == (root / ".spartac" / name).read_bytes()), name
    assert str(tmp_path).encode() not in (tmp_path / "elsewhere" / "out" / "bootstrap").read_bytes()


def test_missing_compiler_is_a_toolchain_diagnostic(tmp_path):
    root = make_project(tmp_path / "svc")
    r = build(root, env={"SPARTAC_CC": "no-such-cc-xyz"})
    assert r.returncode == 3
    assert ("compiler 'no-such-cc-xyz' for x86_64 static builds is not installed "
            "[E-BUILD-TOOLCHAIN]") in r.stderr


def test_only_changed_sources_are_recompiled(tmp_path):
    root = make_project(tmp_path / "svc", files={
        "src/other.c": "int other(void) { return 1; }\n"})
    first = ok(build(root)).stderr
    total = int(re.search(r"compiling (\d+) of (\d+) files", first).group(2))
    (root / "src" / "other.c").write_text("int other(void) { return 2; }\n")
    assert f"compiling 1 of {total} files" in ok(build(root)).stderr
    # A changed header recompiles the sources that include it, and only them.
    (root / "src" / "greet.h").write_text('#define GREETING "\\"hi\\""\n')
    assert f"compiling 1 of {total} files" in ok(build(root)).stderr
    assert b'"hi"' in (root / ".spartac" / "bootstrap").read_bytes()


def test_outputs_are_not_group_or_world_writable_under_umask_000(tmp_path):
    # Compilers, the archive hook and spartac itself all write under
    # .spartac/; modes are explicit, so a permissive umask changes nothing.
    root = make_project(tmp_path / "svc", files={"site/index.html": "<p>hi</p>\n"})
    with open(root / "sparta.yaml", "a") as f:
        f.write("site:\n  root: site\n"
                "hooks:\n  archive: [sh, -c, 'mkdir -p \"$SPARTAC_STAGING_DIR/d\" && "
                "echo x > \"$SPARTAC_STAGING_DIR/d/f\"']\n")
    old = os.umask(0)
    try:
        ok(build(root))
    finally:
        os.umask(old)
    loose = []
    for dirpath, dirs, files in os.walk(root / ".spartac"):
        for name in dirs + files:
            p = os.path.join(dirpath, name)
            if os.lstat(p).st_mode & 0o022:
                loose.append(os.path.relpath(p, root))
    assert loose == []
    for name in ("bootstrap", "code.zip", "template.json", "site.json"):
        assert (root / ".spartac" / name).exists()
    assert list((root / ".spartac" / "work" / "obj").glob("*.o"))
