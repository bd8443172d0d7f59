"""spartac describe: one HTML file that opens with no network at all and
shows every function and route. Checked in headless Chromium started in a
network namespace of its own (unshare -n), so no fetch could succeed."""
import re
import shutil
import subprocess

import pytest

from conftest import BUILD, ROOT, need, run

EXAMPLE = ROOT / "sparta.yaml.example"
ARTIFACTS = BUILD / "artifacts"
FUNCTIONS = ["hello", "notes", "worker", "nightly", "uploads", "audit"]
ROUTES = ["GET /hello", "GET /notes/{id}", "PUT /notes/{id}", "POST /notes", "ANY /files/{proxy+}"]


def chromium(*args, tmp_path):
    need("chromium")
    need("unshare")
    cmd = ["unshare", "-n", "chromium", "--headless", "--no-sandbox", "--disable-gpu",
           "--no-first-run", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    out = tmp_path_factory.mktemp("describe") / "service.html"
    r = run("describe", str(EXAMPLE), "-o", str(out))
    assert r.returncode == 0, r.stderr
    return out


def test_page_is_self_contained(page):
    html = page.read_text(encoding="utf-8")
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert "<script" not in html and "<link" not in html and "@import" not in html
    # no attribute that would fetch anything from anywhere
    assert not re.search(r'(src|href)\s*=\s*"(https?:)?//', html)
    assert "url(" not in html


def test_functions_table_names_the_deployed_function(tmp_path):
    """name: (FunctionName) beside the manifest's key: as written, or said to
    be a template value, or CloudFormation's own when there is none."""
    (tmp_path / "h.c").write_text("int ha(void) { return 0; }\n"
                                  "int hb(void) { return 0; }\n"
                                  "int hc(void) { return 0; }\n")
    (tmp_path / "sparta.yaml").write_text(
        "service: named\nbuild: {sources: [h.c]}\nfunctions:\n"
        "  a: {symbol: ha, name: named-a}\n"
        "  b: {symbol: hb, name: !Sub '${AWS::StackName}-b'}\n"
        "  c: {symbol: hc}\n")
    r = run("describe", "-o", "page.html", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    html = (tmp_path / "page.html").read_text(encoding="utf-8")
    assert "<tr><td>a</td><td>named-a</td>" in html
    assert "<tr><td>b</td><td><small>a template value</small></td>" in html
    assert "<tr><td>c</td><td><small>a generated name</small></td>" in html


def test_chromium_offline_shows_every_function_and_route(page, tmp_path):
    r = chromium("--dump-dom", page.as_uri(), tmp_path=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    dom = r.stdout
    texts = " ".join(re.findall(r"<text[^>]*>([^<]*)</text>", dom))
    for f in FUNCTIONS:
        assert re.search(rf"\b{f}\b", texts), f
    for route in ROUTES:
        assert route in texts.replace("&amp;", "&"), route
    assert "Template" in dom and "AWS::Lambda::Function" in dom


def test_screenshot_is_kept_as_artifact(page, tmp_path):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "describe.png"
    shot.unlink(missing_ok=True)
    r = chromium("--window-size=1500,1100", f"--screenshot={shot}", page.as_uri(), tmp_path=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    assert shot.stat().st_size > 20000  # a rendered page, not a blank one
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_default_output_goes_under_dot_spartac(tmp_path):
    shutil.copy(EXAMPLE, tmp_path / "sparta.yaml")
    r = run("describe", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / ".spartac" / "describe.html").is_file()


def test_invalid_manifest_writes_nothing(tmp_path):
    (tmp_path / "sparta.yaml").write_text("service: x\nfunctions: {a: {symbol: 1x}}\n")
    r = run("describe", "-o", "page.html", cwd=tmp_path)
    assert r.returncode == 1
    assert not (tmp_path / "page.html").exists()


def test_destinations_are_edges(page):
    """async on_failure, a stream's on_failure and dead_letter draw an edge
    from the function to the resource they name."""
    html = page.read_text()
    titles = " ".join(re.findall(r"<title>([^<]*)</title>", html)).replace("&#45;", "-")
    for label in ("on failure", "failed records", "dead letters"):
        assert f">{label}<" in html, label
    assert "fn:audit-&gt;res:DeadLetters" in titles or "fn:audit->res:DeadLetters" in titles, titles[:500]


def test_api_auth_keys_and_domain(tmp_path):
    """Who may call each route, the authorizers, keys and plans, the stage's
    throttling and the custom domain with the output its DNS record needs."""
    case = ROOT / "tests" / "manifests" / "valid" / "api-rest-auth.yaml"
    r = run("describe", "-f", str(case), "-o", str(tmp_path / "page.html"))
    assert r.returncode == 0, r.stderr
    html = (tmp_path / "page.html").read_text(encoding="utf-8")
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "REST API orders&#45;api (stage v1)" in html          # the graph's cluster
    assert "authorizer Bearer" in html and "domain api.orders.example.com/v1" in html
    assert "GET /orders list-orders Bearer (token)" in text
    assert "POST /orders create-order Pool (cognito) scopes orders/write validated" in text
    assert "GET /orders/{id} get-order Bearer (token) API key" in text
    assert "DELETE /orders/{id} admin iam" in text and "POST /webhook webhook none" in text
    assert ("Partner request function authorize-request header:X-Partner query:tenant "
            "context:sourceIp 60 s") in text
    assert "Pool cognito !Ref UserPoolArn header:Authorization 300 s" in text
    assert "Keys: partner-a, partner_b" in text
    assert "bronze partner-a 5/s, burst 10 1000 per DAY" in text
    assert "gold partner_b, partner-a 100.5/s, burst 200 100000 per MONTH" in text
    assert "v1: throttle 500/s, burst 1000; access log kept 30 days" in text
    assert "api.orders.example.com/v1 (EDGE, certificate !Ref CertificateArn)" in text
    assert "ApiDomainTarget" in text


def test_http_api_is_named_so(tmp_path):
    case = ROOT / "tests" / "manifests" / "valid" / "api-http.yaml"
    r = run("describe", "-f", str(case), "-o", str(tmp_path / "page.html"))
    assert r.returncode == 0, r.stderr
    html = (tmp_path / "page.html").read_text(encoding="utf-8")
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "HTTP API notes&#45;http (stage $default)" in html
    assert "GET /notes notes Jwt (jwt) scopes notes/read" in text
    assert "Key request function authorize (simple responses) header:X-Api-Token 30 s" in text
    assert "Jwt jwt issuer !Sub" in text or "Jwt jwt issuer (intrinsic)" in text


def test_custom_resources_and_existing_buckets_are_named(tmp_path):
    """A function under custom_resources: says which type it serves; an s3
    event on a bucket outside the stack names the bucket."""
    (tmp_path / "sparta.yaml").write_text(
        "service: x\nfunctions:\n  resize:\n    symbol: resize\n    events:\n"
        "      - s3: {bucket: legacy-photos, existing: true}\n"
        "custom_resources:\n  Tagger: {symbol: tagger}\n")
    r = run("describe", "-o", "page.html", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    html = (tmp_path / "page.html").read_text()
    assert "serves <code>Custom::Tagger</code>" in html
    assert "s3 (existing bucket legacy-photos)" in html
