"""spartac init: a new service that validates, builds and invokes out of
the box, and never overwrites anything."""
import json
import os

from conftest import run
from test_serve import Server


def test_init_then_validate_build_invoke(tmp_path):
    svc = tmp_path / "my service"
    r = run("init", str(svc))
    assert r.returncode == 0, r.stderr
    for f in ("sparta.yaml", "sparta.schema.json", "src/hello.c", "events/hello.json", ".gitignore"):
        assert (svc / f).is_file(), f
    manifest = (svc / "sparta.yaml").read_text()
    assert manifest.startswith("# yaml-language-server: $schema=sparta.schema.json\n")
    assert "service: my-service\n" in manifest
    assert json.loads((svc / "sparta.schema.json").read_text())["$schema"].startswith("http://json-schema.org/draft-07")

    r = run("validate", cwd=svc)
    assert r.returncode == 0, r.stderr
    r = run("build", cwd=svc)
    assert r.returncode == 0, r.stderr
    assert (svc / ".spartac" / "template.json").is_file()
    assert (svc / ".spartac" / "code.zip").is_file()

    r = run("invoke", "hello", "--event", "events/hello.json", cwd=svc)
    assert r.returncode == 0, r.stderr
    proxy = json.loads(r.stdout)
    assert proxy["statusCode"] == 200
    assert json.loads(proxy["body"]) == {"message": "hello, spartac"}

    r = run("invoke", "hello", "--event", "-", cwd=svc, input='{"name": "C"}')
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {"message": "hello, C"}

    server = Server(svc)
    try:
        resp, data = server.request("GET", "/hello/serve")
        assert resp.status == 200 and json.loads(data) == {"message": "hello, serve"}
        resp, data = server.request("GET", "/hello?name=q")
        assert resp.status == 200 and json.loads(data) == {"message": "hello, q"}
    finally:
        assert server.stop() == 0


def test_init_in_current_directory_names_service_from_it(tmp_path):
    d = tmp_path / "9lives"
    d.mkdir()
    r = run("init", cwd=d)
    assert r.returncode == 0, r.stderr
    assert "service: svc-9lives\n" in (d / "sparta.yaml").read_text()
    assert run("validate", cwd=d).returncode == 0


def test_init_writes_nothing_when_any_file_exists(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "hello.c").write_text("mine\n")
    r = run("init", str(tmp_path))
    assert r.returncode == 74
    assert "src/hello.c exists" in r.stderr
    assert sorted(os.listdir(tmp_path)) == ["src"]
    assert (tmp_path / "src" / "hello.c").read_text() == "mine\n"


def test_init_name_option(tmp_path):
    r = run("init", str(tmp_path / "x"), "--name", "billing-api")
    assert r.returncode == 0, r.stderr
    assert "service: billing-api\n" in (tmp_path / "x" / "sparta.yaml").read_text()
