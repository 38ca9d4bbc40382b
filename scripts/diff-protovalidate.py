#!/usr/bin/env python3
"""Random differential test of PROTOVALIDATE against buf.

For each seed, writes a module with one message of random protovalidate
annotations (numeric bounds, string/bytes rules, well-known formats,
repeated/map rules, examples, CEL), lints it with buf and with protolith
(`lint --error-format json`, only PROTOVALIDATE) and compares the outputs
byte for byte.

    scripts/diff-protovalidate.py [--seeds 1-50] [--keep DIR]

Environment: BUF (default .refs/bin/buf), PROTOLITH (default
target/release/protolith). Prints one line per differing seed and ends with
"N seeds, M differ, K findings"; exits 1 when any differ.
"""
import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMA = os.path.join(ROOT, "testdata/protovalidate/buf/validate/validate.proto")
NUMS = ["int32", "int64", "uint32", "uint64", "sint32", "sint64", "fixed32",
        "fixed64", "sfixed32", "sfixed64", "float", "double"]
EXAMPLES = [
    "", "a", "abc", "héllo", "bc", "x@y.z", "1.2.3.4", "a-b.c", "::1", "01ARZ3NDEKTSV4RRFFQ69G5FAV",
    "550e8400-e29b-41d4-a716-446655440000", "https://a.b/c?d#e", "a.com:80", "[::1]:8080", "10.0.0.0/8",
    "1.2.3.4/24", "fe80::/10", "//x/y", "a:b#c#d",
]
CEL = [
    ("this > 0", "must be positive"), ("this + 'x'", ""), ("size(this) > 1", "m"),
    ("this == '' ? 'empty' : ''", ""), ("this == '' ? 'empty' : ''", "redundant"),
    ("this.startsWith('a')", "a"), ("this", ""), ("this.nope", ""), ("this >", ""),
    ("1 + 2", ""), ("this < 10 ? 1 : true", ""), ("", ""), ("this.isEmail()", "e"),
]


def numval(rng, t):
    if t in ("float", "double"):
        return rng.choice(["0", "1.5", "-2.25", "1000000", "0.1", "1e-7", "inf", "-inf", "nan", "3", "7"])
    v = rng.choice([0, 1, 3, 5, 7, 10, 100, -1, -5])
    if t.startswith(("uint", "fixed")):
        v = abs(v)
    return str(v)


def q(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def field_line(rng, n):
    kind = rng.choice(["num", "num", "str", "str", "bytes", "bool", "rep", "map", "cel"])
    if kind == "num":
        t = rng.choice(NUMS)
        rt = rng.choice([t, t, rng.choice(NUMS)])
        parts = []
        for k in rng.sample(["const", "gt", "gte", "lt", "lte", "in", "not_in", "example", "example2"], rng.randint(1, 4)):
            if k in ("gt", "gte") and any(p.startswith(("gt:", "gte:")) for p in parts):
                continue
            if k in ("lt", "lte") and any(p.startswith(("lt:", "lte:")) for p in parts):
                continue
            if k in ("in", "not_in"):
                parts.append(f"{k}: [{numval(rng, rt)}, {numval(rng, rt)}]")
            elif k.startswith("example"):
                parts.append(f"example: {numval(rng, rt)}")
            else:
                parts.append(f"{k}: {numval(rng, rt)}")
        if rt in ("float", "double") and rng.random() < 0.3:
            parts.append("finite: true")
        return f"{t} f{n} = {n} [(buf.validate.field).{rt} = {{{', '.join(parts)}}}];"
    if kind == "str":
        parts = []
        formats = ("uuid", "hostname", "email", "ipv4", "ip", "ulid", "address", "uri", "uri_ref",
                   "host_and_port", "ip_prefix", "ipv4_with_prefixlen", "ipv6_prefix")
        for k in rng.sample(["const", "len", "min_len", "max_len", "len_bytes", "min_bytes", "max_bytes", "prefix",
                             "suffix", "contains", "not_contains", "pattern", "in", "not_in", "ex", "ex2", *formats],
                            rng.randint(1, 4)):
            if k in ("len", "min_len", "max_len", "len_bytes", "min_bytes", "max_bytes"):
                parts.append(f"{k}: {rng.choice([0, 1, 2, 3, 5, 8])}")
            elif k in ("prefix", "suffix", "contains", "not_contains", "const"):
                parts.append(f"{k}: {q(rng.choice(['a', 'ab', 'é', 'xyz', 'abc']))}")
            elif k == "pattern":
                parts.append(f"pattern: {q(rng.choice(['^a+$', '[b-z]', 'a(b', '^$', 'x*', 'a)', '[z-a]']))}")
            elif k in ("in", "not_in"):
                parts.append(f'{k}: ["a", "bc"]')
            elif k.startswith("ex"):
                parts.append(f"example: {q(rng.choice(EXAMPLES))}")
            elif not any(p.split(":")[0] in formats for p in parts):
                parts.append(f"{k}: true")
        ftype = rng.choice(["string", "string", "string", "bytes", "int32", "google.protobuf.StringValue", "repeated string"])
        return f"{ftype} f{n} = {n} [(buf.validate.field).string = {{{', '.join(parts)}}}];"
    if kind == "bytes":
        parts = []
        for k in rng.sample(["const", "len", "min_len", "max_len", "prefix", "suffix", "contains", "in", "not_in", "ex", "pattern"], rng.randint(1, 3)):
            if k in ("len", "min_len", "max_len"):
                parts.append(f"{k}: {rng.choice([0, 1, 2, 4])}")
            elif k in ("prefix", "suffix", "contains", "const"):
                parts.append(f"{k}: {q(rng.choice(['a', 'ab', 'xyz']))}")
            elif k in ("in", "not_in"):
                parts.append(f'{k}: ["a", "bc"]')
            elif k == "pattern":
                parts.append('pattern: "^a"')
            else:
                parts.append(f"example: {q(rng.choice(['', 'a', 'abc', 'bc']))}")
        return f"bytes f{n} = {n} [(buf.validate.field).bytes = {{{', '.join(parts)}}}];"
    if kind == "bool":
        return f"bool f{n} = {n} [(buf.validate.field).bool = {{const: {rng.choice(['true', 'false'])}, example: {rng.choice(['true', 'false'])}}}];"
    if kind == "rep":
        a, b = rng.randint(0, 5), rng.randint(0, 5)
        return (f"repeated int32 f{n} = {n} [(buf.validate.field).repeated = {{min_items: {a}, max_items: {b}, "
                f"unique: true, items: {{int32: {{gt: {rng.randint(-2, 5)}, example: {rng.randint(-3, 6)}}}}}}}];")
    if kind == "map":
        a, b = rng.randint(0, 5), rng.randint(0, 5)
        return (f"map<string, int64> f{n} = {n} [(buf.validate.field).map = {{min_pairs: {a}, max_pairs: {b}, "
                f"keys: {{string: {{min_len: {rng.randint(0, 3)}, example: {q(rng.choice(['', 'a', 'abcd']))}}}}}, "
                f"values: {{int64: {{lte: {rng.randint(-2, 5)}, example: {rng.randint(-3, 6)}}}}}}}];")
    expr, msg = rng.choice(CEL)
    ftype = rng.choice(["int32", "string", "double", "repeated int32"])
    ident = rng.choice(["r.one", "r.one", "bad id", ""])
    rules = f"cel = {{id: {q(ident)}, expression: {q(expr)}{', message: ' + q(msg) if msg else ''}}}"
    if ftype == "string" and rng.random() < 0.5:
        rules = f"string = {{min_len: 1, example: {q(rng.choice(['', 'ab', 'zz']))}}}, (buf.validate.field).{rules}"
    return f"{ftype} f{n} = {n} [(buf.validate.field).{rules}];"


def module(seed, fields=100):
    rng = random.Random(seed)
    lines = ['syntax = "proto3";', "", "package fuzz.v1;", "", 'import "buf/validate/validate.proto";',
             'import "google/protobuf/wrappers.proto";', "", "message Sample {"]
    lines += ["  " + field_line(rng, n) for n in range(1, fields + 1)]
    return "\n".join(lines + ["}", ""])


def lint(tool, cwd):
    run = subprocess.run([tool, "lint", "--error-format", "json"], cwd=cwd, capture_output=True)
    return run.returncode, run.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", default="1-50", help="a range like 1-50")
    ap.add_argument("--keep", help="copy modules that differ into this directory")
    args = ap.parse_args()
    lo, _, hi = args.seeds.partition("-")
    seeds = range(int(lo), int(hi or lo) + 1)
    buf = os.environ.get("BUF", os.path.join(ROOT, ".refs/bin/buf"))
    ours = os.environ.get("PROTOLITH", os.path.join(ROOT, "target/release/protolith"))
    differ = findings = 0
    with tempfile.TemporaryDirectory() as tmp:
        os.makedirs(os.path.join(tmp, "buf/validate"))
        shutil.copy(SCHEMA, os.path.join(tmp, "buf/validate/validate.proto"))
        os.makedirs(os.path.join(tmp, "fuzz/v1"))
        with open(os.path.join(tmp, "buf.yaml"), "w") as f:
            f.write("version: v2\nlint:\n  use:\n    - PROTOVALIDATE\n")
        os.environ["PROTOLITH_NO_CACHE"] = "1"
        for seed in seeds:
            path = os.path.join(tmp, "fuzz/v1/sample.proto")
            with open(path, "w") as f:
                f.write(module(seed))
            want, got = lint(buf, tmp), lint(ours, tmp)
            findings += want[1].count(b"\n")
            if want != got:
                differ += 1
                nw, ng = want[1].count(b"\n"), got[1].count(b"\n")
                print(f"seed {seed}: buf exit {want[0]} ({nw} findings), protolith exit {got[0]} ({ng} findings)")
                if args.keep:
                    shutil.copy(path, os.path.join(args.keep, f"seed{seed}.proto"))
    print(f"{len(seeds)} seeds, {differ} differ, {findings} findings")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
