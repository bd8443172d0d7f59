"""No secret ever reaches the terminal, a log or a file: spartac runs at
debug level with known secret keys, session tokens and metadata tokens, on
success and on failure, and none of them appears in what it prints or in any
file it leaves behind."""
import os

from conftest import run
from test_aws_creds import MetadataServer, temporary_credentials, write
from test_aws_moto import REGION, clean_env, moto_auth  # noqa: F401


def leaked(secrets, *texts):
    found = []
    for s in secrets:
        # a secret must not appear whole, nor any long piece of it
        pieces = {s} | {s[i:i + 12] for i in range(0, max(1, len(s) - 12), 6)}
        for t in texts:
            if any(p in t for p in pieces):
                found.append(s[:4] + "...")
    return found


def files_containing(root, secrets, allowed):
    bad = []
    for dirpath, _, names in os.walk(root):
        for n in names:
            p = os.path.join(dirpath, n)
            if p in allowed:
                continue
            try:
                data = open(p, "rb").read().decode("utf-8", "replace")
            except OSError:
                continue
            if leaked(secrets, data):
                bad.append(p)
    return bad


def test_debug_output_never_shows_secrets(moto_auth, tmp_path):
    url, key, secret, _ = moto_auth
    akid, tsecret, token = temporary_credentials(moto_auth)
    secrets = [secret, tsecret, token]
    outputs = []
    # environment with a session token: success
    env = clean_env(tmp_path, AWS_ACCESS_KEY_ID=akid, AWS_SECRET_ACCESS_KEY=tsecret,
                    AWS_SESSION_TOKEN=token)
    r = run("-l", "debug", "whoami", "--region", REGION, "--endpoint-url", url, env=env)
    assert r.returncode == 0, r.stderr
    assert "aws: GetCallerIdentity POST" in r.stderr  # debug logging really was on
    outputs += [r.stdout, r.stderr]
    # the same with a broken secret: the failure path
    env["AWS_SECRET_ACCESS_KEY"] = tsecret[:-2] + "zz"
    secrets.append(env["AWS_SECRET_ACCESS_KEY"])
    r = run("-l", "debug", "whoami", "--region", REGION, "--endpoint-url", url, env=env)
    assert r.returncode == 4
    outputs += [r.stdout, r.stderr]
    # shared credentials file and json output
    creds = write(tmp_path / ".aws" / "credentials",
                  f"[default]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n")
    env = clean_env(tmp_path)
    r = run("-l", "debug", "--format", "json", "whoami", "--region", REGION, "--endpoint-url", url,
            env=env)
    assert r.returncode == 0, r.stderr
    outputs += [r.stdout, r.stderr]
    assert not leaked(secrets, *outputs)
    assert not files_containing(tmp_path, secrets, {str(creds)})


def test_metadata_tokens_never_shown(moto_auth, tmp_path):
    url = moto_auth[0]
    akid, tsecret, token = temporary_credentials(moto_auth)
    srv = MetadataServer(akid, tsecret, token, auth="Bearer container-auth-token-0123456789")
    try:
        env = clean_env(tmp_path, AWS_CONTAINER_CREDENTIALS_FULL_URI=srv.url + "/v2/credentials/task",
                        AWS_CONTAINER_AUTHORIZATION_TOKEN="Bearer container-auth-token-0123456789")
        r = run("-l", "debug", "whoami", "--region", REGION, "--endpoint-url", url, env=env)
        assert r.returncode == 0, r.stderr
        outs = [r.stdout, r.stderr]
        env = clean_env(tmp_path, AWS_EC2_METADATA_SERVICE_ENDPOINT=srv.url)
        del env["AWS_EC2_METADATA_DISABLED"]
        r = run("-l", "debug", "whoami", "--region", REGION, "--endpoint-url", url, env=env)
        assert r.returncode == 0, r.stderr
        outs += [r.stdout, r.stderr]
    finally:
        srv.close()
    assert not leaked([tsecret, token, "container-auth-token-0123456789", "IMDS-SESSION-TOKEN"], *outs)
