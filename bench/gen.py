#!/usr/bin/env python3
"""Writes the benchmark service with N functions, one API route each, twice:
DIR/sparta.yaml for spartac and the equivalent DIR/serverless.yml (plus a
placeholder code.zip it packages as is) for Serverless Framework v3.

    python3 bench/gen.py N DIR
"""
import sys
import zipfile
from pathlib import Path


def main():
    n = int(sys.argv[1])
    out = Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    names = [f"fn{i:05d}" for i in range(1, n + 1)]

    sp = ["service: bench", "functions:"]
    sp += [f"  {f}: {{symbol: {f}}}" for f in names]
    sp += ["api:", "  routes:"]
    sp += [f"    GET /{f}: {f}" for f in names]
    (out / "sparta.yaml").write_text("\n".join(sp) + "\n")

    sls = ["service: bench", "frameworkVersion: '3'", "provider:",
           "  name: aws", "  runtime: provided.al2023", "  region: us-east-1",
           "  logRetentionInDays: 14", "package:", "  artifact: code.zip",
           "functions:"]
    for f in names:
        sls += [f"  {f}:", f"    handler: {f}", "    events:",
                f"      - http: {{path: /{f}, method: get}}"]
    (out / "serverless.yml").write_text("\n".join(sls) + "\n")
    with zipfile.ZipFile(out / "code.zip", "w") as z:
        z.writestr("bootstrap", "placeholder\n")


if __name__ == "__main__":
    main()
