"""The runtime under aws-lambda-rie, AWS's Runtime Interface Emulator: the
same core (rapid) that runs functions on Lambda, installed by
`sh tools/setup.sh test` at the version pinned in tests/go-tools.txt.

- Byte for byte, the runtime's answers under rie are what `spartac invoke`
  prints: JSON, a function error, UTF-8 and control characters, an empty
  event, an event that is not JSON, a response exactly at the limit.
- rie keeps one process warm across 20 successes and across function
  errors, and after a response over the limit (the runtime gets 413 and
  carries on); spartac's emulator answers those the same way.
- Unknown handler, crash and restart, timeout, init failure: rie's results
  and spartac's emulator agree on the error type and on the wording, which
  is Lambda's core's ("Runtime exited with error: exit status 3",
  "signal: aborted").

rie's own limits shape the tests: invokes are serial (it panics on
concurrent ones), both addresses are on loopback with free ports, and it
starts the bootstrap on the first invoke. No assertion depends on timing
beyond generous bounds; every process started is waited for.
"""
import json
import os
import re
import time

import pytest

from runtimelib import (RESPONSE_LIMIT, Rie, compile_bootstrap, invoke, rie_binary,
                        write_project)

TEXT_EVENT = json.dumps({"text": "h\u00e9llo \u2713 \U0001F600 \u4e2d\u6587 \\ \" \n \t "
                                 "\u0000 \u0001 \u001f \u007f \u2028"},
                        ensure_ascii=False).encode()
REQUEST_ID = re.compile(r"RequestId: [0-9a-f-]{36} ")


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    rie_binary()  # fail at once, with how to install it, when it is missing
    return tmp_path_factory.mktemp("rie")


@pytest.fixture(scope="module")
def bootstrap(work):
    return compile_bootstrap(work / "bootstrap")


@pytest.fixture(scope="module")
def project(work):
    d = work / "proj"
    d.mkdir()
    return write_project(d)


def script(work, name, body):
    """A bootstrap that is a shell script (dies at init, as told)."""
    p = work / name
    p.write_text("#!/bin/sh\n" + body + "\n")
    os.chmod(p, 0o755)
    return p


class Session:
    """A rie per handler, closed at the end of the test."""

    def __init__(self, work):
        self.work = work
        self.open = []

    def start(self, argv, handler, timeout_s=30):
        r = Rie(self.work, argv, handler, timeout_s=timeout_s)
        self.open.append(r)
        return r

    def close(self):
        for r in self.open:
            r.close()


@pytest.fixture
def rie(work):
    s = Session(work)
    yield s
    s.close()


SAME_BYTES = {
    "json": ("hello", b"{}"),
    "function-error": ("fail", b'{"why":"d\xc3\xa9j\xc3\xa0 vu \\u0007"}'),
    "utf8-control": ("text", TEXT_EVENT),
    "echo-utf8-control": ("echo", TEXT_EVENT),
    "empty-event": ("echo", b""),
    "invalid-json-event": ("echo", b'{"a": not json\x00\xff'),
    "invalid-json-to-parser": ("text", b"{\"text\": [1, "),
    "at-limit": ("big", json.dumps({"size": RESPONSE_LIMIT}).encode()),
}


@pytest.mark.parametrize("case", sorted(SAME_BYTES))
def test_same_bytes_as_invoke(case, bootstrap, project, rie):
    func, event = SAME_BYTES[case]
    r = rie.start([bootstrap], func)
    status, body = r.invoke(event)
    assert status == 200, (status, body[:300], r.text())
    code, out, err = invoke(project, func, bootstrap, event)
    assert code in (0, 5), err
    assert body == out
    if case == "at-limit":
        assert len(body) == RESPONSE_LIMIT
    if case in ("function-error", "invalid-json-to-parser"):
        assert code == 5 and json.loads(body)["errorType"] in ("Function.Oops",
                                                              "Function.BadRequest")
    else:
        assert code == 0


def test_expected_bytes(bootstrap, rie):
    """What the agreed bytes are, so agreeing on nonsense fails."""
    r = rie.start([bootstrap], "hello")
    assert r.invoke() == (200, b'{"greeting":"hello, world"}')
    r = rie.start([bootstrap], "echo")
    assert r.invoke(TEXT_EVENT) == (200, TEXT_EVENT)
    assert r.invoke(b"") == (200, b"")
    r = rie.start([bootstrap], "fail")
    status, body = r.invoke(b'{"why":"x"}')
    assert json.loads(body) == {"errorMessage": "it failed: x", "errorType": "Function.Oops",
                                "stackTrace": []}


def test_warm_across_successes_and_errors(bootstrap, rie):
    """One process, one init, for 20 successes; the same for function errors."""
    r = rie.start([bootstrap], "hello")
    pids = set()
    for _ in range(20):
        assert r.invoke() == (200, b'{"greeting":"hello, world"}')
        pids |= r.runtime_pids()
    assert len(pids) == 1 and r.inits() == 1, r.text()
    r = rie.start([bootstrap], "fail")
    pids = set()
    for i in range(5):
        status, body = r.invoke(json.dumps({"why": str(i)}).encode())
        assert status == 200 and json.loads(body)["errorMessage"] == f"it failed: {i}"
        pids |= r.runtime_pids()
    assert len(pids) == 1 and r.inits() == 1, r.text()


def test_limit_plus_one(bootstrap, project, rie):
    """Over the limit: Lambda's error, and the same process answers next."""
    over = json.dumps({"size": RESPONSE_LIMIT + 1}).encode()
    r = rie.start([bootstrap], "big")
    status, body = r.invoke(over)
    pid = r.runtime_pids()
    assert status == 200, r.text()
    theirs = json.loads(body)
    assert theirs == {"errorType": "Function.ResponseSizeTooLarge",
                      "errorMessage": "Response payload size exceeded maximum allowed "
                                      "payload size (6291556 bytes)."}
    status, body = r.invoke(b'{"size":10}')
    assert (status, body) == (200, b'"xxxxxxxx"')
    assert r.runtime_pids() == pid and r.inits() == 1, r.text()
    # The runtime's log line reaches rie's log through a pipe: wait for it.
    deadline = time.monotonic() + 30
    while "over Lambda's limit" not in r.text() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "over Lambda's limit; Lambda reports the error" in r.text()
    code, out, err = invoke(project, "big", bootstrap, over)
    assert code == 5 and json.loads(out) == theirs


def test_unknown_handler(bootstrap, project, rie):
    r = rie.start([bootstrap], "ghost")
    status, body = r.invoke()
    assert status == 502
    code, out, err = invoke(project, "ghost", bootstrap)
    assert code == 5 and out == body
    assert json.loads(body)["errorType"] == "Runtime.NoSuchHandler"


def test_crash_and_restart(bootstrap, project, rie):
    """A crash ends the process; the next invoke starts a new one. The
    wording is Lambda's core's, signal name included."""
    r = rie.start([bootstrap], "crash")
    seen = []
    for _ in range(2):
        status, body = r.invoke()
        assert status == 502, r.text()
        doc = json.loads(body)
        assert doc["errorType"] == "Runtime.ExitError"
        assert REQUEST_ID.sub("", doc["errorMessage"]) == \
            "Error: Runtime exited with error: signal: aborted"
        seen.append(r.text().count("INIT START"))
    assert seen == [1, 2], r.text()
    code, out, err = invoke(project, "crash", bootstrap)
    mine = json.loads(out)
    assert code == 5 and mine["errorType"] == doc["errorType"]
    assert REQUEST_ID.sub("", mine["errorMessage"]) == REQUEST_ID.sub("", doc["errorMessage"])


def test_timeout_then_a_new_process(bootstrap, rie, tmp_path):
    """Killed at the deadline; the next invoke gets a fresh process."""
    r = rie.start([bootstrap], "sleep", timeout_s=1)
    status, body = r.invoke(b'{"ms":20000}')
    assert body == b"Task timed out after 1.00 seconds", r.text()
    first = r.inits()
    assert r.invoke(b'{"ms":10}') == (200, b'{"slept":10}')
    assert r.inits() == first + 1, r.text()
    proj = write_project(tmp_path, timeouts={"sleep": 1})
    code, out, err = invoke(proj, "sleep", bootstrap, b'{"ms":20000}')
    assert code == 5 and json.loads(out) == {"errorMessage": body.decode(),
                                             "errorType": "Sandbox.Timedout"}


INIT_FAILURES = {
    # bootstrap body: what Lambda's core says
    "exit3": ("echo init fails >&2; exit 3", "Runtime exited with error: exit status 3"),
    "exit0": ("exit 0", "Runtime exited without providing a reason"),
    "segv": ("kill -SEGV $$", "Runtime exited with error: signal: segmentation fault"),
}


@pytest.mark.parametrize("case", sorted(INIT_FAILURES))
def test_init_failure(case, work, project, rie):
    """A bootstrap that dies before asking for an event: rie's log and
    spartac's error say the same thing, in the same words."""
    body, words = INIT_FAILURES[case]
    boot = script(work, f"init-{case}", body)
    r = rie.start([boot], "hello")
    status, out = r.invoke()
    assert status == 502, r.text()
    assert f"error={words}" in r.text() or f"error: {words}" in r.text(), r.text()
    code, mine, err = invoke(project, "hello", boot)
    assert code == 5, err
    doc = json.loads(mine)
    assert doc["errorType"] == "Runtime.ExitError"
    assert REQUEST_ID.sub("", doc["errorMessage"]) == "Error: " + words
