#!/bin/sh
# Regenerates expected/<case>.binpb from real buf (1.75.0): runs
# `buf generate --template gen/<case>.yaml` on ws/ with a capture plugin and
# keeps the proto_file entries (CodeGeneratorRequest field 15) of the
# non-WKT files, written as a FileDescriptorSet.
# Usage: regen.sh [path/to/buf]
set -eu
BUF=${1:-buf}
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
printf '#!/bin/sh\ncat > "$CAPTURE_OUT"\n' > "$TMP/protoc-gen-capture"
chmod +x "$TMP/protoc-gen-capture"
cd "$HERE/ws"
for g in "$HERE"/gen/*.yaml; do
  n=$(basename "$g" .yaml)
  CAPTURE_OUT="$TMP/$n.req" PATH="$TMP:$PATH" "$BUF" generate --template "$g" -o "$TMP/out"
  python3 - "$TMP/$n.req" "$HERE/expected/$n.binpb" <<'PY'
import sys
def varint(b, i):
    r = s = 0
    while True:
        x = b[i]; i += 1; r |= (x & 0x7f) << s; s += 7
        if x < 0x80: return r, i
def fields(b):
    i = 0
    while i < len(b):
        st = i
        k, i = varint(b, i)
        w = k & 7
        if w == 0: _, i = varint(b, i)
        elif w == 1: i += 8
        elif w == 5: i += 4
        elif w == 2:
            l, i = varint(b, i); i += l
        yield k >> 3, b[st:i]
def body(rec):
    _, i = varint(rec, 0); _, i = varint(rec, i); return rec[i:]
req = open(sys.argv[1], 'rb').read()
out = b''
for n, rec in fields(req):
    if n != 15: continue
    fd = body(rec)
    name = [body(r).decode() for m, r in fields(fd) if m == 1][0]
    if name.startswith('google/protobuf/'): continue
    out += b'\x0a' + rec[1:]  # field 15 -> field 1, same length prefix
open(sys.argv[2], 'wb').write(out)
PY
done
