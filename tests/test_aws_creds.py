"""The credential chain, region and endpoint rules, each in a temporary HOME,
end to end through `spartac whoami` against moto with signature checking on.

Container and instance-metadata credentials come from small loopback HTTP
servers that follow the documented formats (ECS task credentials; IMDSv2
with a session token)."""
import json
import os
import stat
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import run
from test_aws_moto import REGION, clean_env, moto_auth, moto_plain, script  # noqa: F401


def whoami(env, *args):
    r = run("whoami", "--format", "json", "--region", REGION, *args, env=env)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def write(path, text, mode=0o600):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)
    return path


def test_environment(moto_auth, tmp_path):
    url, key, secret, _ = moto_auth
    env = clean_env(tmp_path, AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY=secret,
                    AWS_ENDPOINT_URL=url)
    out = whoami(env)
    assert out["CredentialSource"] == "environment (AWS_ACCESS_KEY_ID)"
    assert out["Arn"].endswith(":user/deployer")


def test_shared_credentials_file_and_precedence(moto_auth, tmp_path):
    url, key, secret, _ = moto_auth
    creds = write(tmp_path / ".aws" / "credentials",
                  f"[default]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n"
                  f"[other]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n")
    env = clean_env(tmp_path, AWS_ENDPOINT_URL=url)
    assert whoami(env)["CredentialSource"] == f"shared credentials file {creds} [default]"
    # the environment comes before the files ...
    env.update(AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY=secret)
    assert whoami(env)["CredentialSource"].startswith("environment")
    # ... and AWS_PROFILE does not change that (as in the SDKs) ...
    env["AWS_PROFILE"] = "other"
    assert whoami(env)["CredentialSource"].startswith("environment")
    # ... but an explicit --profile does, even with broken keys in the environment
    env["AWS_SECRET_ACCESS_KEY"] = "wrong"
    out = whoami(env, "--profile", "other")
    assert out["CredentialSource"] == f"shared credentials file {creds} [other]"
    assert out["Profile"] == "other"


def test_config_file_profile_region_and_endpoint(moto_auth, tmp_path):
    url, key, secret, _ = moto_auth
    cfg = write(tmp_path / "elsewhere" / "config",
                f"[profile ci]\nregion = ap-south-1\nendpoint_url = {url}\n"
                f"aws_access_key_id = {key}\naws_secret_access_key = {secret}\n")
    env = clean_env(tmp_path, AWS_CONFIG_FILE=str(cfg), AWS_PROFILE="ci")
    r = run("whoami", "--format", "json", env=env)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["CredentialSource"] == f"config file {cfg} [ci]"
    assert out["Region"] == "ap-south-1"  # from the profile
    env["AWS_REGION"] = "eu-central-1"
    assert json.loads(run("whoami", "--format", "json", env=env).stdout)["Region"] == "eu-central-1"
    # --region beats the environment
    out = json.loads(run("whoami", "--format", "json", "--region", "us-west-2", env=env).stdout)
    assert out["Region"] == "us-west-2"


def test_credential_process_and_refresh(moto_auth, tmp_path):
    url, key, secret, _ = moto_auth
    counter = tmp_path / "count"
    helper = write(tmp_path / "bin" / "creds helper.py", f"""#!{sys.executable}
import datetime, json, sys
with open({str(counter)!r}, "a") as f:
    f.write("x")
minutes = int(sys.argv[1])
exp = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=minutes)
print(json.dumps({{"Version": 1, "AccessKeyId": {key!r}, "SecretAccessKey": {secret!r},
                  "Expiration": exp.strftime("%Y-%m-%dT%H:%M:%SZ")}}))
""", 0o700)
    write(tmp_path / ".aws" / "config",
          f"[default]\ncredential_process = \"{helper}\" 120\n"
          f"[profile short]\ncredential_process = '{helper}' 5\n"
          f"[profile broken]\ncredential_process = false\n")
    env = clean_env(tmp_path, AWS_ENDPOINT_URL=url)
    assert whoami(env)["CredentialSource"] == "credential_process of profile 'default'"
    # long-lived: fetched once for several calls
    counter.write_text("")
    rows, _ = script(["whoami"] * 3, env, "--region", REGION)
    assert [r[0] for r in rows] == ["ok"] * 3 and counter.read_text() == "x"
    # expiring within the refresh margin: refreshed before every call
    counter.write_text("")
    rows, _ = script(["whoami"] * 3, env, "--region", REGION, "--profile", "short")
    assert [r[0] for r in rows] == ["ok"] * 3 and counter.read_text() == "xxx"
    r = run("whoami", "--region", REGION, "--profile", "broken", env=env)
    assert r.returncode == 4
    assert "credential_process of profile 'broken' (false) failed with status 1" in r.stderr


def test_assume_role_from_source_profile(moto_auth, tmp_path):
    url, key, secret, role = moto_auth
    write(tmp_path / ".aws" / "credentials",
          f"[base]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n")
    write(tmp_path / ".aws" / "config",
          f"[profile deploy]\nrole_arn = {role}\nsource_profile = base\nrole_session_name = ci-run\n")
    env = clean_env(tmp_path, AWS_ENDPOINT_URL=url)
    out = whoami(env, "--profile", "deploy")
    assert out["Arn"] == "arn:aws:sts::123456789012:assumed-role/existing-role/ci-run"
    assert out["CredentialSource"].startswith(f"assume role {role} (profile 'deploy', from shared credentials file")


def test_assume_role_chains_and_credential_source(moto_auth, tmp_path):
    url, key, secret, role = moto_auth
    write(tmp_path / ".aws" / "credentials",
          f"[base]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n")
    write(tmp_path / ".aws" / "config",
          f"[profile first]\nrole_arn = {role}\nsource_profile = base\n"
          f"[profile second]\nrole_arn = {role}\nsource_profile = first\nrole_session_name = hop2\n"
          f"[profile fromenv]\nrole_arn = {role}\ncredential_source = Environment\n"
          f"role_session_name = env-hop\n"
          f"[profile loop]\nrole_arn = {role}\nsource_profile = loop2\n"
          f"[profile loop2]\nrole_arn = {role}\nsource_profile = loop\n"
          f"[profile sso]\nsso_session = corp\nsso_account_id = 1\n")
    env = clean_env(tmp_path, AWS_ENDPOINT_URL=url)
    out = whoami(env, "--profile", "second")
    assert out["Arn"].endswith(":assumed-role/existing-role/hop2")
    assert "from assume role" in out["CredentialSource"]  # a role assumed from a role
    out = whoami(dict(env, AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY=secret), "--profile", "fromenv")
    assert out["Arn"].endswith(":assumed-role/existing-role/env-hop")
    r = run("whoami", "--region", REGION, "--profile", "loop", env=env)
    assert r.returncode == 4 and "source_profile chain is too long or loops" in r.stderr
    r = run("whoami", "--region", REGION, "--profile", "sso", env=env)
    assert r.returncode == 4 and "aws configure export-credentials --profile sso" in r.stderr


def test_web_identity_from_profile(moto_plain, tmp_path):
    role = "arn:aws:iam::123456789012:role/profile-oidc"
    token = write(tmp_path / "tok", "header.payload.signature")
    write(tmp_path / ".aws" / "config",
          f"[profile ci]\nweb_identity_token_file = {token}\nrole_arn = {role}\n"
          f"role_session_name = pipeline\n")
    out = whoami(clean_env(tmp_path, AWS_ENDPOINT_URL=moto_plain), "--profile", "ci")
    assert out["Arn"] == "arn:aws:sts::123456789012:assumed-role/profile-oidc/pipeline"


def test_web_identity(moto_plain, tmp_path):
    url = moto_plain
    role = "arn:aws:iam::123456789012:role/gha-deployer"
    token = write(tmp_path / "oidc-token", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOngifQ.c2ln\n")
    env = clean_env(tmp_path, AWS_ENDPOINT_URL=url, AWS_WEB_IDENTITY_TOKEN_FILE=str(token),
                    AWS_ROLE_ARN=role, AWS_ROLE_SESSION_NAME="gha-123")
    out = whoami(env)
    assert out["Arn"] == "arn:aws:sts::123456789012:assumed-role/gha-deployer/gha-123"
    assert out["CredentialSource"] == f"web identity token file {token}, role {role}"
    # a missing token file is an error, not a silent fall-through
    env["AWS_WEB_IDENTITY_TOKEN_FILE"] = str(tmp_path / "missing")
    r = run("whoami", "--region", REGION, env=env)
    assert r.returncode == 4 and "cannot read the web identity token file" in r.stderr


def temporary_credentials(moto_auth):
    """Real temporary credentials from moto's STS, as ECS and EC2 hand out."""
    import boto3
    url, key, secret, role = moto_auth
    sts = boto3.client("sts", endpoint_url=url, region_name=REGION, aws_access_key_id=key,
                       aws_secret_access_key=secret)
    c = sts.assume_role(RoleArn=role, RoleSessionName="metadata")["Credentials"]
    return c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"]


class MetadataServer:
    """ECS container credentials and EC2 IMDSv2, as documented."""

    def __init__(self, key, secret, token, auth=None):
        self.requests = []
        outer = self
        expires = "2099-01-01T00:00:00Z"

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def reply(self, code, body, ctype="application/json"):
                data = body.encode()
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_PUT(self):
                outer.requests.append(("PUT", self.path, dict(self.headers)))
                if self.path == "/latest/api/token" and self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
                    return self.reply(200, "IMDS-SESSION-TOKEN", "text/plain")
                self.reply(400, "")

            def do_GET(self):
                outer.requests.append(("GET", self.path, dict(self.headers)))
                creds = json.dumps({"Code": "Success", "Type": "AWS-HMAC", "AccessKeyId": key,
                                    "SecretAccessKey": secret, "Token": token,
                                    "Expiration": expires, "RoleArn": "arn:aws:iam::123456789012:role/r"})
                if self.path.startswith("/latest/"):
                    if self.headers.get("X-aws-ec2-metadata-token") != "IMDS-SESSION-TOKEN":
                        return self.reply(401, "")
                    if self.path == "/latest/meta-data/iam/security-credentials/":
                        return self.reply(200, "instance-role\n", "text/plain")
                    if self.path == "/latest/meta-data/iam/security-credentials/instance-role":
                        return self.reply(200, creds)
                    return self.reply(404, "")
                if self.path == "/v2/credentials/task" and (auth is None or self.headers.get("Authorization") == auth):
                    return self.reply(200, creds)
                self.reply(403, "")

        self.srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.srv.server_address[1]}"
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()


def test_container_credentials(moto_auth, tmp_path):
    url = moto_auth[0]
    srv = MetadataServer(*temporary_credentials(moto_auth), auth="Bearer ecs-auth")
    try:
        tok = write(tmp_path / "token", "Bearer ecs-auth\n")
        env = clean_env(tmp_path, AWS_ENDPOINT_URL=url,
                        AWS_CONTAINER_CREDENTIALS_FULL_URI=srv.url + "/v2/credentials/task",
                        AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=str(tok))
        out = whoami(env)
        assert out["Arn"].endswith(":assumed-role/existing-role/metadata")
        assert out["CredentialSource"] == f"container credentials ({srv.url}/v2/credentials/task)"
        assert srv.requests[0][2].get("Authorization") == "Bearer ecs-auth"
        # the token from the environment variable works too; a wrong one fails
        del env["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"]
        env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "Bearer wrong"
        r = run("whoami", "--region", REGION, env=env)
        assert r.returncode == 4 and "403" not in r.stdout
        # a non-loopback plain-http URL is refused
        env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://192.0.2.1/creds"
        r = run("whoami", "--region", REGION, env=env)
        assert r.returncode == 4 and "must be https or a loopback" in r.stderr
    finally:
        srv.close()


def test_instance_metadata_imdsv2(moto_auth, tmp_path):
    url = moto_auth[0]
    srv = MetadataServer(*temporary_credentials(moto_auth))
    try:
        env = clean_env(tmp_path, AWS_ENDPOINT_URL=url, AWS_EC2_METADATA_SERVICE_ENDPOINT=srv.url)
        del env["AWS_EC2_METADATA_DISABLED"]
        out = whoami(env)
        assert out["CredentialSource"] == "EC2 instance metadata (IMDSv2, role instance-role)"
        assert srv.requests[0][:2] == ("PUT", "/latest/api/token")
        # AWS_EC2_METADATA_DISABLED is honoured
        env["AWS_EC2_METADATA_DISABLED"] = "true"
        n = len(srv.requests)
        r = run("whoami", "--region", REGION, env=env)
        assert r.returncode == 4 and len(srv.requests) == n
        assert "disabled by AWS_EC2_METADATA_DISABLED" in r.stderr
    finally:
        srv.close()


def test_no_credentials_lists_what_was_tried(tmp_path):
    r = run("whoami", "--region", REGION, env=clean_env(tmp_path))
    assert r.returncode == 4
    err = r.stderr
    assert err.count("error:") == 1
    for what in ("environment", "web identity", ".aws/credentials", "credential_process",
                 "container credentials", "EC2 instance metadata"):
        assert what in err, what


def test_no_region_and_insecure_endpoints(tmp_path):
    env = clean_env(tmp_path, AWS_ACCESS_KEY_ID="AKIAEXAMPLE", AWS_SECRET_ACCESS_KEY="s")
    r = run("whoami", env=env)
    assert r.returncode == 4 and "no AWS region: pass --region, set AWS_REGION" in r.stderr
    for url in ("http://example.com", "http://10.0.0.1:4566", "http://127.0.0.1.nip.io"):
        r = run("whoami", "--region", REGION, "--endpoint-url", url, env=env)
        assert r.returncode == 4 and "plain http on a non-loopback host" in r.stderr, url
    env["AWS_ENDPOINT_URL_STS"] = "http://example.net"
    r = run("whoami", "--region", REGION, env=env)
    assert r.returncode == 4 and "InsecureEndpoint" in r.stderr
    r = run("whoami", "--region", REGION, "--profile", "nope", env=env)
    assert r.returncode == 4 and "profile 'nope'" in r.stderr


def test_service_specific_endpoint_beats_global(moto_auth, tmp_path):
    url, key, secret, _ = moto_auth
    env = clean_env(tmp_path, AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY=secret,
                    AWS_ENDPOINT_URL="https://unreachable.invalid", AWS_ENDPOINT_URL_STS=url)
    assert whoami(env)["Account"] == "123456789012"
