#!/usr/bin/env python3
"""Recovers the well-known-type .proto sources that buf embeds in its binary,
so protolith embeds the very same versions (buf's image of a WKT depends on
its exact text). Each embedded file starts with protobuf's license header;
files are split at those headers and identified by their first declaration.

usage: scripts/extract-wkt.py BUF_BINARY OUT_DIR
Afterwards, check with: cargo nextest run --release --test wkt
"""
import os
import re
import sys

HEADER = b"// Protocol Buffers - Google's data interchange format"

# file -> the first message/enum the file declares
FIRST_DECL = {
    "google/protobuf/any.proto": "Any",
    "google/protobuf/api.proto": "Api",
    "google/protobuf/c_sharp_features.proto": "CSharpFeatures",
    "google/protobuf/compiler/plugin.proto": "Version",
    "google/protobuf/cpp_features.proto": "CppFeatures",
    "google/protobuf/descriptor.proto": "FileDescriptorSet",
    "google/protobuf/duration.proto": "Duration",
    "google/protobuf/empty.proto": "Empty",
    "google/protobuf/field_mask.proto": "FieldMask",
    "google/protobuf/go_features.proto": "GoFeatures",
    "google/protobuf/java_features.proto": "JavaFeatures",
    "google/protobuf/source_context.proto": "SourceContext",
    "google/protobuf/struct.proto": "Struct",
    "google/protobuf/timestamp.proto": "Timestamp",
    "google/protobuf/type.proto": "Type",
    "google/protobuf/wrappers.proto": "DoubleValue",
}


def candidates(data):
    starts = [m.start() for m in re.finditer(re.escape(HEADER), data)]
    for i, s in enumerate(starts):
        e = s
        while e < len(data) and (32 <= data[e] < 127 or data[e] in (9, 10, 13)):
            e += 1
        if i + 1 < len(starts) and starts[i + 1] < e:
            e = starts[i + 1]
        # A blank line just before the header belongs to this file (buf's
        # java_features.proto starts with one; its line numbers show it).
        lead = "\n" if data[s - 2 : s] == b"\n\n" else ""
        text = lead + data[s:e].decode("ascii")
        # Trim anything after the file's last closing brace line.
        last = text.rfind("}\n")
        if last >= 0:
            text = text[: last + 2]
        yield text


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    data = open(sys.argv[1], "rb").read()
    out = sys.argv[2]
    found = {}
    for text in candidates(data):
        decls = re.findall(r"^(?:message|enum) (\w+)", text, re.M)
        if not decls:
            continue
        for path, first in FIRST_DECL.items():
            if decls[0] == first and path not in found:
                if path.endswith("plugin.proto") and "package google.protobuf.compiler;" not in text:
                    continue
                found[path] = text
    missing = sorted(set(FIRST_DECL) - set(found))
    if missing:
        sys.exit(f"not found in {sys.argv[1]}: {missing}")
    for path, text in sorted(found.items()):
        dest = os.path.join(out, path)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with open(dest, "w") as f:
            f.write(text)
        print(f"{path}: {len(text)} bytes")


if __name__ == "__main__":
    main()
