#!/usr/bin/env python3
"""Edit one file of a benchmark corpus, differently each time.

    bench-edit.py ORIGINAL TARGET N

Writes ORIGINAL to TARGET with one field renamed: the first field of the
first message whose name ends in "Request" (else of the first message) gets
the suffix _e<N>; a file without such a field gets a new last value
BENCH_ADDED_<N> in its first enum. Each N gives new bytes, so a cache never sees the same
state twice; for a file nothing imports, only that file's answers change.
"""
import re
import sys

original, target, n = sys.argv[1], sys.argv[2], sys.argv[3]
text = open(original, encoding="utf-8").read()
lines = text.split("\n")
field = re.compile(r"^(\s+(?:optional |repeated )?[\w.]+ )(\w+)( = \d+.*;)")
message = re.compile(r"^message (\w+) \{")
starts = [i for i, l in enumerate(lines) if message.match(l)]
requests = [i for i in starts if message.match(lines[i]).group(1).endswith("Request")]
for start in requests + starts:
    for i in range(start + 1, len(lines)):
        m = field.match(lines[i])
        if m:
            lines[i] = f"{m.group(1)}{m.group(2)}_e{n}{m.group(3)}"
            break
        if lines[i].startswith("}"):
            break
    else:
        continue
    if lines != text.split("\n"):
        break
else:
    enum = next((i for i, l in enumerate(lines) if re.match(r"^\s*enum \w+ \{", l)), None)
    if enum is None:
        sys.exit(f"bench-edit.py: no field to rename or enum to extend in {original}")
    indent = lines[enum][: len(lines[enum]) - len(lines[enum].lstrip())]
    close = next(j for j in range(enum, len(lines)) if lines[j] == indent + "}")
    lines.insert(close, f"{indent}  BENCH_ADDED_{n} = {1000 + int(n)};")
with open(target, "w", encoding="utf-8") as f:
    f.write("\n".join(lines))
