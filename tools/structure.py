#!/usr/bin/env python3
"""structure.py - print the stage include graph of src/ and check the layering.

    python3 tools/structure.py [--files] [SRC_DIR]

Every folder of src/ is a stage. The script reads the `#include "..."` lines
of every .c and .h file (runtime/ excepted: it is compiled into each
bootstrap, not into spartac), prints which stage includes which, and fails
(exit 1, one line per problem) on:

  - an include edge between stages that ALLOWED does not list;
  - a cycle between stages, or between files;
  - aws/internal.h included from outside src/aws/;
  - exit() called anywhere but src/cli/main.c;
  - a source file over MAX_FILE_LINES lines, or a function over
    MAX_FUNCTION_LINES (counted from the line that names it to its closing
    brace, in the house style where both stand at column 0).

--files prints the file-level graph too. `make check` runs it.
"""
import os
import re
import sys

MAX_FILE_LINES = 1200
MAX_FUNCTION_LINES = 120

# Which stages each stage may include, besides itself. Read it top down: the
# pipeline runs base -> front -> compile -> pipeline -> publish -> converge;
# aws is a library beside it; local, describe and cli sit on top.
ALLOWED = {
    "base": set(),
    "front": {"base"},
    "compile": {"base", "front"},
    "pipeline": {"base", "front", "compile"},
    "aws": {"base"},
    "publish": {"base", "front", "compile", "aws"},
    "converge": {"base", "front", "compile", "aws", "publish"},
    "local": {"base", "front", "compile", "pipeline"},
    "describe": {"base", "front", "compile"},
    "cli": {"base", "front", "compile", "pipeline", "aws", "publish",
            "converge", "local", "describe"},
}
PRIVATE = {"aws/internal.h": "aws"}
EXIT_ALLOWED = {"cli/main.c"}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
EXIT_CALL = re.compile(r'(?<![\w.>])exit\s*\(')
FUNC_NAME = re.compile(r'^[A-Za-z_]\w*\s*\(')


def sources(src):
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames.sort()
        rel = os.path.relpath(dirpath, src)
        if rel.split(os.sep)[0] == "runtime":
            continue
        for f in sorted(filenames):
            if f.endswith((".c", ".h")):
                yield os.path.normpath(os.path.join(rel, f)).replace(os.sep, "/")


def stage_of(path):
    return path.split("/")[0] if "/" in path else "."


def strip_comments(text):
    """Blank out comments and string literals, keeping line numbers."""
    def keep_lines(m):
        return re.sub(r"[^\n]", " ", m.group(0))
    return re.sub(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'',
                  keep_lines, text, flags=re.S)


def long_functions(lines):
    """(name, first line, length) of each function over the limit: the name
    stands at column 0 followed by '(', the body opens with '{' alone at
    column 0 within a few lines and closes with '}' at column 0."""
    name, name_line, body_from, out = None, None, None, []
    for i, line in enumerate(lines, 1):
        if body_from is None and FUNC_NAME.match(line):
            name, name_line = line.split("(")[0].strip(), i
        elif line.startswith("{") and name_line and i - name_line < 15:
            body_from = name_line
        elif line.startswith("}") and body_from is not None:
            if i - body_from + 1 > MAX_FUNCTION_LINES:
                out.append((name, body_from, i - body_from + 1))
            name, name_line, body_from = None, None, None
    return out


def find_cycle(graph):
    """One cycle of graph (node -> set of nodes) as a list, or None."""
    WHITE, GREY, BLACK = 0, 1, 2
    colour = {n: WHITE for n in graph}
    stack = []

    def visit(n):
        colour[n] = GREY
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if colour.get(m, WHITE) == GREY:
                return stack[stack.index(m):] + [m]
            if colour.get(m, WHITE) == WHITE:
                c = visit(m)
                if c:
                    return c
        stack.pop()
        colour[n] = BLACK
        return None

    for n in sorted(graph):
        if colour[n] == WHITE:
            c = visit(n)
            if c:
                return c
    return None


def check(src, show_files=False, out=sys.stdout):
    problems = []
    files = list(sources(src))
    known = set(files)
    file_graph = {f: set() for f in files}
    stage_edges = {}
    for f in files:
        with open(os.path.join(src, f), encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        lines = text.split("\n")
        if len(lines) - (lines[-1] == "") > MAX_FILE_LINES:
            problems.append(f"src/{f}: {len(lines) - 1} lines (at most {MAX_FILE_LINES}): split it by what its parts do")
        code = strip_comments(text)
        for inc in INCLUDE.findall(text):
            target = os.path.normpath(os.path.join(os.path.dirname(f), inc)).replace(os.sep, "/") \
                if inc not in known else inc
            if target not in known:
                continue  # generated (embedded.h) or a system-style path
            file_graph[f].add(target)
            a, b = stage_of(f), stage_of(target)
            if a != b:
                stage_edges.setdefault((a, b), []).append(f)
                if b not in ALLOWED.get(a, set()):
                    problems.append(f"src/{f}: includes {target}: stage {a} may not depend on {b} "
                                    f"(allowed: {', '.join(sorted(ALLOWED.get(a, ()))) or 'none'})")
            owner = PRIVATE.get(target)
            if owner and stage_of(f) != owner:
                problems.append(f"src/{f}: includes {target}, private to src/{owner}/: "
                                f"add what it needs to a public header of {owner}/")
        if f.endswith(".c"):
            if f not in EXIT_ALLOWED:
                for n, line in enumerate(code.split("\n"), 1):
                    if EXIT_CALL.search(line):
                        problems.append(f"src/{f}:{n}: calls exit(): only src/cli/main.c ends "
                                        "the process; return a status to the caller")
            for name, start, length in long_functions(code.split("\n")):
                problems.append(f"src/{f}:{start}: {name} is {length} lines "
                                f"(at most {MAX_FUNCTION_LINES}): split it into named steps")

    stages = sorted({stage_of(f) for f in files})
    stage_graph = {s: set() for s in stages}
    for (a, b) in stage_edges:
        stage_graph[a].add(b)
    print("include graph of src/ (stage -> stages it includes, with the number of files that do):", file=out)
    for s in stages:
        deps = sorted(stage_graph[s])
        text = ", ".join(f"{d} ({len(set(stage_edges[(s, d)]))})" for d in deps) or "-"
        print(f"  {s:<9} -> {text}", file=out)
    if show_files:
        print("files:", file=out)
        for f in files:
            if file_graph[f]:
                print(f"  {f} -> {' '.join(sorted(file_graph[f]))}", file=out)

    cycle = find_cycle(stage_graph)
    if cycle:
        problems.append("stage cycle: " + " -> ".join(cycle))
    cycle = find_cycle(file_graph)
    if cycle:
        problems.append("include cycle: " + " -> ".join("src/" + c for c in cycle))
    return problems


def main(argv):
    show_files = "--files" in argv
    args = [a for a in argv if a != "--files"]
    src = args[0] if args else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")
    problems = check(src, show_files)
    for p in problems:
        print("structure: " + p, file=sys.stderr)
    if problems:
        print(f"structure: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"structure: {len(list(sources(src)))} files: layering, sizes and exits as ALLOWED says")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
