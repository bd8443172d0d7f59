#!/usr/bin/env python3
"""Writes the benchmark service with N functions, one API route each, twice:
DIR/sparta.yaml for spartac and the equivalent DIR/serverless.yml (plus a
placeholder code.zip it packages as is) for Serverless Framework v3.
With --c, also DIR/src/handlers.c defining every function's symbol, so
that the full `spartac build` (code too) has something to compile.

    python3 bench/gen.py [--c] N DIR
"""
import sys
import zipfile
from pathlib import Path


HANDLER = """
int
{0}(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{{
	(void)event; (void)len; (void)ctx;
	sparta_write_string(res, "{0}");
	return 0;
}}
"""


def main():
    args = sys.argv[1:]
    with_c = args[:1] == ["--c"]
    if with_c:
        args = args[1:]
    n = int(args[0])
    out = Path(args[1])
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
    if with_c:
        (out / "src").mkdir(exist_ok=True)
        (out / "src" / "handlers.c").write_text(
            "#include <sparta/lambda.h>\n" + "".join(HANDLER.format(f) for f in names))


if __name__ == "__main__":
    main()
