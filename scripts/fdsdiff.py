#!/usr/bin/env python3
"""Compare two serialized FileDescriptorSets / buf Images file by file.

Both inputs are read as `repeated bytes file = 1` at the top level (true for
google.protobuf.FileDescriptorSet and for buf's Image). Files are matched by
their name (FileDescriptorProto field 1) and compared in three categories:

  descriptor   the raw FileDescriptorProto bytes with field 9 (source_code_info)
               and field 8042 (buf's ImageFileExtension) cut out at the wire
               level, everything else kept in its original order; byte compare
  source info  SourceCodeInfo locations compared as multisets
  extension    ImageFileExtension values (is_import, module_info,
               is_syntax_unspecified, unused_dependency), presence-aware

plus the set of file names and their order. For the first N mismatching files
a readable explanation is printed: the first differing path in a decoded wire
tree for descriptors, a few missing locations for source info.

Side A is the expected one (normally buf), side B the actual one (ours).
Exit status: 0 identical, 1 different, 2 usage or parse error.
Python 3 standard library only.
"""

import argparse
import collections
import json
import sys

# ----------------------------------------------------------------------------
# descriptor.proto schema, used only to name fields and guide decoding.
# kind: 's' string, 'v' varint, 'd' fixed64 double, or a message name.
# ----------------------------------------------------------------------------

def _f(name, kind, repeated=False):
    return (name, kind, repeated)

_UNINTERP = _f("uninterpreted_option", "UninterpretedOption", True)

SCHEMA = {
    "FileDescriptorProto": {
        1: _f("name", "s"), 2: _f("package", "s"), 3: _f("dependency", "s", True),
        10: _f("public_dependency", "v", True), 11: _f("weak_dependency", "v", True),
        15: _f("option_dependency", "s", True),
        4: _f("message_type", "DescriptorProto", True),
        5: _f("enum_type", "EnumDescriptorProto", True),
        6: _f("service", "ServiceDescriptorProto", True),
        7: _f("extension", "FieldDescriptorProto", True),
        8: _f("options", "FileOptions"), 9: _f("source_code_info", "SourceCodeInfo"),
        12: _f("syntax", "s"), 14: _f("edition", "v"),
        8042: _f("buf_image_file_extension", "ImageFileExtension"),
    },
    "DescriptorProto": {
        1: _f("name", "s"), 2: _f("field", "FieldDescriptorProto", True),
        6: _f("extension", "FieldDescriptorProto", True),
        3: _f("nested_type", "DescriptorProto", True),
        4: _f("enum_type", "EnumDescriptorProto", True),
        5: _f("extension_range", "ExtensionRange", True),
        8: _f("oneof_decl", "OneofDescriptorProto", True),
        7: _f("options", "MessageOptions"),
        9: _f("reserved_range", "ReservedRange", True),
        10: _f("reserved_name", "s", True), 11: _f("visibility", "v"),
    },
    "ExtensionRange": {1: _f("start", "v"), 2: _f("end", "v"),
                       3: _f("options", "ExtensionRangeOptions")},
    "ReservedRange": {1: _f("start", "v"), 2: _f("end", "v")},
    "ExtensionRangeOptions": {999: _UNINTERP, 2: _f("declaration", "Declaration", True),
                              50: _f("features", "FeatureSet"), 3: _f("verification", "v")},
    "Declaration": {1: _f("number", "v"), 2: _f("full_name", "s"), 3: _f("type", "s"),
                    5: _f("reserved", "v"), 6: _f("repeated", "v")},
    "FieldDescriptorProto": {
        1: _f("name", "s"), 3: _f("number", "v"), 4: _f("label", "v"), 5: _f("type", "v"),
        6: _f("type_name", "s"), 2: _f("extendee", "s"), 7: _f("default_value", "s"),
        9: _f("oneof_index", "v"), 10: _f("json_name", "s"),
        8: _f("options", "FieldOptions"), 17: _f("proto3_optional", "v"),
    },
    "OneofDescriptorProto": {1: _f("name", "s"), 2: _f("options", "OneofOptions")},
    "EnumDescriptorProto": {
        1: _f("name", "s"), 2: _f("value", "EnumValueDescriptorProto", True),
        3: _f("options", "EnumOptions"),
        4: _f("reserved_range", "EnumReservedRange", True),
        5: _f("reserved_name", "s", True), 6: _f("visibility", "v"),
    },
    "EnumReservedRange": {1: _f("start", "v"), 2: _f("end", "v")},
    "EnumValueDescriptorProto": {1: _f("name", "s"), 2: _f("number", "v"),
                                 3: _f("options", "EnumValueOptions")},
    "ServiceDescriptorProto": {1: _f("name", "s"),
                               2: _f("method", "MethodDescriptorProto", True),
                               3: _f("options", "ServiceOptions")},
    "MethodDescriptorProto": {1: _f("name", "s"), 2: _f("input_type", "s"),
                              3: _f("output_type", "s"), 4: _f("options", "MethodOptions"),
                              5: _f("client_streaming", "v"), 6: _f("server_streaming", "v")},
    "FileOptions": {
        1: _f("java_package", "s"), 8: _f("java_outer_classname", "s"),
        10: _f("java_multiple_files", "v"), 20: _f("java_generate_equals_and_hash", "v"),
        27: _f("java_string_check_utf8", "v"), 9: _f("optimize_for", "v"),
        11: _f("go_package", "s"), 16: _f("cc_generic_services", "v"),
        17: _f("java_generic_services", "v"), 18: _f("py_generic_services", "v"),
        23: _f("deprecated", "v"), 31: _f("cc_enable_arenas", "v"),
        36: _f("objc_class_prefix", "s"), 37: _f("csharp_namespace", "s"),
        39: _f("swift_prefix", "s"), 40: _f("php_class_prefix", "s"),
        41: _f("php_namespace", "s"), 44: _f("php_metadata_namespace", "s"),
        45: _f("ruby_package", "s"), 50: _f("features", "FeatureSet"), 999: _UNINTERP,
    },
    "MessageOptions": {1: _f("message_set_wire_format", "v"),
                       2: _f("no_standard_descriptor_accessor", "v"),
                       3: _f("deprecated", "v"), 7: _f("map_entry", "v"),
                       11: _f("deprecated_legacy_json_field_conflicts", "v"),
                       12: _f("features", "FeatureSet"), 999: _UNINTERP},
    "FieldOptions": {1: _f("ctype", "v"), 2: _f("packed", "v"), 6: _f("jstype", "v"),
                     5: _f("lazy", "v"), 15: _f("unverified_lazy", "v"),
                     3: _f("deprecated", "v"), 10: _f("weak", "v"),
                     16: _f("debug_redact", "v"), 17: _f("retention", "v"),
                     19: _f("targets", "v", True),
                     20: _f("edition_defaults", "EditionDefault", True),
                     21: _f("features", "FeatureSet"),
                     22: _f("feature_support", "FeatureSupport"), 999: _UNINTERP},
    "EditionDefault": {3: _f("edition", "v"), 2: _f("value", "s")},
    "FeatureSupport": {1: _f("edition_introduced", "v"), 2: _f("edition_deprecated", "v"),
                       3: _f("deprecation_warning", "s"), 4: _f("edition_removed", "v")},
    "OneofOptions": {1: _f("features", "FeatureSet"), 999: _UNINTERP},
    "EnumOptions": {2: _f("allow_alias", "v"), 3: _f("deprecated", "v"),
                    6: _f("deprecated_legacy_json_field_conflicts", "v"),
                    7: _f("features", "FeatureSet"), 999: _UNINTERP},
    "EnumValueOptions": {1: _f("deprecated", "v"), 2: _f("features", "FeatureSet"),
                         3: _f("debug_redact", "v"),
                         4: _f("feature_support", "FeatureSupport"), 999: _UNINTERP},
    "ServiceOptions": {34: _f("features", "FeatureSet"), 33: _f("deprecated", "v"),
                       999: _UNINTERP},
    "MethodOptions": {33: _f("deprecated", "v"), 34: _f("idempotency_level", "v"),
                      35: _f("features", "FeatureSet"), 999: _UNINTERP},
    "UninterpretedOption": {2: _f("name", "NamePart", True), 3: _f("identifier_value", "s"),
                            4: _f("positive_int_value", "v"), 5: _f("negative_int_value", "v"),
                            6: _f("double_value", "d"), 7: _f("string_value", "s"),
                            8: _f("aggregate_value", "s")},
    "NamePart": {1: _f("name_part", "s"), 2: _f("is_extension", "v")},
    "FeatureSet": {1: _f("field_presence", "v"), 2: _f("enum_type", "v"),
                   3: _f("repeated_field_encoding", "v"), 4: _f("utf8_validation", "v"),
                   5: _f("message_encoding", "v"), 6: _f("json_format", "v"),
                   7: _f("enforce_naming_style", "v"), 8: _f("default_symbol_visibility", "v")},
    "SourceCodeInfo": {1: _f("location", "Location", True)},
    "Location": {1: _f("path", "v", True), 2: _f("span", "v", True),
                 3: _f("leading_comments", "s"), 4: _f("trailing_comments", "s"),
                 6: _f("leading_detached_comments", "s", True)},
    "ImageFileExtension": {1: _f("is_import", "v"), 2: _f("module_info", "ModuleInfo"),
                           3: _f("is_syntax_unspecified", "v"),
                           4: _f("unused_dependency", "v", True)},
    "ModuleInfo": {1: _f("name", "ModuleName"), 2: _f("commit", "s")},
    "ModuleName": {1: _f("remote", "s"), 2: _f("owner", "s"), 3: _f("repository", "s")},
}


class WireError(Exception):
    pass


# ----------------------------------------------------------------------------
# wire-level primitives (operate on a bytes object and offsets, no copies)
# ----------------------------------------------------------------------------

def read_varint(b, i):
    x = b[i]
    if x < 0x80:
        return x, i + 1
    result = x & 0x7F
    shift = 7
    i += 1
    while True:
        if i >= len(b) or shift > 63:
            raise WireError("truncated or overlong varint")
        x = b[i]
        i += 1
        result |= (x & 0x7F) << shift
        if x < 0x80:
            return result, i
        shift += 7


def iter_fields(b, start, end):
    """Yield (field_number, wire_type, field_start, value_start, value_end).

    For varint/fixed fields value_start..value_end covers the encoded value;
    for length-delimited fields it covers the payload (without the length).
    Groups (wire types 3/4) are not supported: descriptors never use them.
    """
    i = start
    while i < end:
        fs = i
        tag, i = read_varint(b, i)
        fnum = tag >> 3
        wt = tag & 7
        if fnum == 0:
            raise WireError("field number 0 at offset %d" % fs)
        if wt == 2:
            n, i = read_varint(b, i)
            vs = i
            i += n
        elif wt == 0:
            vs = i
            _, i = read_varint(b, i)
        elif wt == 1:
            vs = i
            i += 8
        elif wt == 5:
            vs = i
            i += 4
        else:
            raise WireError("unsupported wire type %d at offset %d" % (wt, fs))
        if i > end:
            raise WireError("field %d overruns its message (offset %d)" % (fnum, fs))
        yield fnum, wt, fs, vs, i


def unpack_varints(b, start, end):
    out = []
    i = start
    while i < end:
        v, i = read_varint(b, i)
        out.append(v)
    if i != end:
        raise WireError("packed varints overrun")
    return out


# ----------------------------------------------------------------------------
# splitting an image into files, and a file into its three parts
# ----------------------------------------------------------------------------

class FileParts(object):
    __slots__ = ("name", "index", "raw", "descriptor", "sci", "has_sci", "ext", "has_ext")


def split_file(data, s, e, index):
    """Cut one FileDescriptorProto into descriptor bytes / SCI bytes / extension bytes."""
    fp = FileParts()
    fp.index = index
    fp.raw = (s, e)
    fp.name = None
    kept = []          # (start, end) spans of fields that stay in the descriptor
    sci = []
    ext = []
    for fnum, wt, fs, vs, ve in iter_fields(data, s, e):
        if fnum == 9 and wt == 2:
            sci.append(data[vs:ve])
        elif fnum == 8042 and wt == 2:
            ext.append(data[vs:ve])
        else:
            if fnum == 1 and wt == 2 and fp.name is None:
                fp.name = data[vs:ve].decode("utf-8", "replace")
            if kept and kept[-1][1] == fs:
                kept[-1] = (kept[-1][0], ve)
            else:
                kept.append((fs, ve))
    if len(kept) == 1 and kept[0] == (s, e):
        fp.descriptor = data[s:e]
    else:
        fp.descriptor = b"".join(data[a:z] for a, z in kept)
    # repeated occurrences of a message field merge, which for bytes is concatenation
    fp.has_sci = bool(sci)
    fp.sci = sci[0] if len(sci) == 1 else b"".join(sci)
    fp.has_ext = bool(ext)
    fp.ext = ext[0] if len(ext) == 1 else b"".join(ext)
    if fp.name is None:
        fp.name = "<unnamed #%d>" % index
    return fp


def load_image(path):
    with open(path, "rb") as fh:
        data = fh.read()
    files = []
    stray = collections.Counter()
    for fnum, wt, fs, vs, ve in iter_fields(data, 0, len(data)):
        if fnum == 1 and wt == 2:
            files.append(split_file(data, vs, ve, len(files)))
        else:
            stray[fnum] += 1
    return data, files, stray


# ----------------------------------------------------------------------------
# generic decoding into a tree, guided by SCHEMA where known
# ----------------------------------------------------------------------------
# A decoded message is a list of entries (fnum, wire_type, value); value is an
# int (varint / fixed), a str, bytes, or a nested list (message).

def _printable_text(raw):
    try:
        s = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    for ch in s:
        if ch < " " and ch not in "\n\t\r":
            return None
    return s


def _try_message(raw, depth):
    if not raw or depth > 40:
        return None
    try:
        return decode_message(raw, None, depth + 1)
    except (WireError, IndexError):
        return None


def decode_message(raw, msgtype, depth=0):
    schema = SCHEMA.get(msgtype) if msgtype else None
    out = []
    for fnum, wt, fs, vs, ve in iter_fields(raw, 0, len(raw)):
        spec = schema.get(fnum) if schema else None
        if wt == 0:
            val, _ = read_varint(raw, vs)
        elif wt == 1 or wt == 5:
            val = int.from_bytes(raw[vs:ve], "little")
        else:
            payload = raw[vs:ve]
            kind = spec[1] if spec else None
            if kind == "s":
                val = payload.decode("utf-8", "replace")
            elif kind == "v":  # packed repeated varints
                try:
                    val = ("packed", tuple(unpack_varints(payload, 0, len(payload))))
                except (WireError, IndexError):
                    val = payload
            elif kind and kind in SCHEMA:
                val = decode_message(payload, kind, depth + 1)
            else:
                text = _printable_text(payload)
                if text is not None and payload:
                    val = text
                else:
                    sub = _try_message(payload, depth)
                    val = sub if sub is not None else payload
        out.append((fnum, wt, val))
    return out


def field_label(msgtype, fnum):
    schema = SCHEMA.get(msgtype) if msgtype else None
    spec = schema.get(fnum) if schema else None
    if spec:
        return spec[0], spec[1] if spec[1] in SCHEMA else None, spec[2]
    return "[%d]" % fnum, None, None


def _entry_name_hint(val, msgtype=None):
    schema = SCHEMA.get(msgtype) if msgtype else None
    if not schema or schema.get(1, ("",))[0] != "name":
        return None
    if isinstance(val, list):
        for fnum, wt, v in val:
            if fnum == 1 and isinstance(v, str):
                return v
    return None


def render(val, limit=240):
    if isinstance(val, list):
        s = "{" + ", ".join("%d: %s" % (f, render(v, limit)) for f, _, v in val) + "}"
    elif isinstance(val, tuple) and val and val[0] == "packed":
        s = "packed" + repr(list(val[1]))
    elif isinstance(val, int):
        s = str(val)
        if val >= 1 << 63:
            s += " (%d as int64)" % (val - (1 << 64))
    elif isinstance(val, str):
        s = json.dumps(val, ensure_ascii=False)
    else:
        s = "bytes[%d] %s" % (len(val), val[:48].hex())
    if len(s) > limit:
        s = s[:limit] + "...(%d chars)" % len(s)
    return s


def first_difference(a, b, msgtype, path):
    """Return (path, detail_lines) for the first differing entry of two trees."""
    counts = collections.Counter()
    labels = []
    for i in range(max(len(a), len(b))):
        ea = a[i] if i < len(a) else None
        eb = b[i] if i < len(b) else None
        ref = ea if ea is not None else eb
        name, sub, repeated = field_label(msgtype, ref[0])
        occ = counts[ref[0]]
        counts[ref[0]] += 1
        if ea == eb:
            continue
        label = name
        if repeated or (repeated is None and occ):
            label += "[%d]" % occ
        hint = (_entry_name_hint(ea[2] if ea else None, sub)
                or _entry_name_hint(eb[2] if eb else None, sub))
        if hint:
            label += "{%s}" % hint
        if (ea is not None and eb is not None and ea[0] == eb[0]
                and isinstance(ea[2], list) and isinstance(eb[2], list)):
            return first_difference(ea[2], eb[2], sub, path + [label])
        lines = []
        where = ".".join(path + [label]) or "<top>"
        if ea is not None and eb is not None and ea[0] != eb[0]:
            la = field_label(msgtype, ea[0])[0]
            lb = field_label(msgtype, eb[0])[0]
            lines.append("at %s (entry #%d): A has field %d (%s), B has field %d (%s)"
                         % (".".join(path) or "<top>", i, ea[0], la, eb[0], lb))
        else:
            lines.append("at %s (entry #%d):" % (where, i))
        lines.append("  A: %s" % ("<missing>" if ea is None else
                                  "%d = %s" % (ea[0], render(ea[2]))))
        lines.append("  B: %s" % ("<missing>" if eb is None else
                                  "%d = %s" % (eb[0], render(eb[2]))))
        if ea is not None and eb is not None and isinstance(ea[2], str) and isinstance(eb[2], str):
            sa, sb = ea[2], eb[2]
            k = next((j for j in range(min(len(sa), len(sb))) if sa[j] != sb[j]), min(len(sa), len(sb)))
            lines.append("  strings first differ at char %d (lengths %d vs %d):" % (k, len(sa), len(sb)))
            lines.append("    A: ...%s" % render(sa[max(0, k - 30):k + 50], 200))
            lines.append("    B: ...%s" % render(sb[max(0, k - 30):k + 50], 200))
        seq_a = [f for f, _, _ in a]
        seq_b = [f for f, _, _ in b]
        if seq_a != seq_b:
            lines.append("  field sequence here  A: %s" % _seq(seq_a))
            lines.append("                       B: %s" % _seq(seq_b))
        return where, lines
    return None, []


def _seq(seq, limit=40):
    # compress runs: 2 2 2 2 -> 2x4
    out = []
    for f in seq:
        if out and out[-1][0] == f:
            out[-1][1] += 1
        else:
            out.append([f, 1])
    parts = ["%d" % f if n == 1 else "%dx%d" % (f, n) for f, n in out]
    if len(parts) > limit:
        parts = parts[:limit] + ["..."]
    return " ".join(parts)


def explain_descriptor(fa, fb):
    lines = []
    try:
        ta = decode_message(fa.descriptor, "FileDescriptorProto")
        tb = decode_message(fb.descriptor, "FileDescriptorProto")
    except (WireError, IndexError) as exc:
        return ["  could not decode: %s" % exc]
    where, diff = first_difference(ta, tb, "FileDescriptorProto", [])
    if where is None:
        # same tree, different bytes: varint width, packed-ness, string escapes ...
        a, b = fa.descriptor, fb.descriptor
        off = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), min(len(a), len(b)))
        lines.append("  decoded trees are equal but encodings differ "
                     "(lengths A=%d B=%d, first differing byte at %d)" % (len(a), len(b), off))
        lines.append("  A: ...%s" % a[max(0, off - 16):off + 16].hex())
        lines.append("  B: ...%s" % b[max(0, off - 16):off + 16].hex())
    else:
        lines.extend("  " + l for l in diff)
    return lines


# ----------------------------------------------------------------------------
# source code info
# ----------------------------------------------------------------------------

def location_slices(sci):
    """Raw bytes of each Location (field 1) in a SourceCodeInfo, in order."""
    out = []
    b = sci
    i = 0
    n = len(b)
    while i < n:
        # fast path: tag 0x0a with a one-byte length
        if b[i] == 0x0A and i + 1 < n and b[i + 1] < 0x80:
            ln = b[i + 1]
            out.append(b[i + 2:i + 2 + ln])
            i += 2 + ln
            continue
        tag, j = read_varint(b, i)
        if tag & 7 == 2:
            ln, j = read_varint(b, j)
            if tag >> 3 == 1:
                out.append(b[j:j + ln])
            i = j + ln
        elif tag & 7 == 0:
            _, i = read_varint(b, j)
        elif tag & 7 == 1:
            i = j + 8
        elif tag & 7 == 5:
            i = j + 4
        else:
            raise WireError("bad wire type in SourceCodeInfo")
    if i != n:
        raise WireError("SourceCodeInfo overruns")
    return out


def decode_location(raw):
    path = []
    span = []
    lead = trail = None
    detached = []
    for fnum, wt, fs, vs, ve in iter_fields(raw, 0, len(raw)):
        if fnum == 1 or fnum == 2:
            dst = path if fnum == 1 else span
            if wt == 2:
                dst.extend(unpack_varints(raw, vs, ve))
            elif wt == 0:
                dst.append(read_varint(raw, vs)[0])
        elif fnum == 3 and wt == 2:
            lead = raw[vs:ve].decode("utf-8", "replace")
        elif fnum == 4 and wt == 2:
            trail = raw[vs:ve].decode("utf-8", "replace")
        elif fnum == 6 and wt == 2:
            detached.append(raw[vs:ve].decode("utf-8", "replace"))
    # int32 fields come back as 64-bit two's complement when negative
    path = tuple(v - (1 << 64) if v >= 1 << 63 else v for v in path)
    span = tuple(v - (1 << 64) if v >= 1 << 63 else v for v in span)
    return (path, span, lead, trail, tuple(detached))


def compare_sci(a, b):
    """Return 'bytes', 'order', 'encoding' (all identical as multisets) or None (differ)."""
    if a == b:
        return "bytes"
    if not a or not b:
        return None
    ca = collections.Counter(location_slices(a))
    cb = collections.Counter(location_slices(b))
    if ca == cb:
        return "order"
    # raw multisets differ; decode just the leftovers (packed vs unpacked, field order ...)
    ra = collections.Counter()
    for raw, n in (ca - cb).items():
        ra[decode_location(raw)] += n
    rb = collections.Counter()
    for raw, n in (cb - ca).items():
        rb[decode_location(raw)] += n
    return "encoding" if ra == rb else None


def annotate_path(path, tree):
    """Turn a SourceCodeInfo path into a readable descriptor path."""
    parts = []
    msgtype = "FileDescriptorProto"
    node = tree
    i = 0
    while i < len(path):
        fnum = path[i]
        name, sub, repeated = field_label(msgtype, fnum)
        if msgtype is None:
            parts.append(",".join(str(p) for p in path[i:]))
            break
        if repeated and i + 1 < len(path):
            idx = path[i + 1]
            label = "%s[%d]" % (name, idx)
            child = None
            if node is not None:
                occ = [v for f, _, v in node if f == fnum]
                child = occ[idx] if 0 <= idx < len(occ) else None
            hint = _entry_name_hint(child, sub)
            if hint:
                label += "{%s}" % hint
            parts.append(label)
            node = child if isinstance(child, list) else None
            i += 2
        else:
            parts.append(name)
            child = None
            if node is not None:
                occ = [v for f, _, v in node if f == fnum]
                child = occ[-1] if occ else None
            node = child if isinstance(child, list) else None
            i += 1
        msgtype = sub
    return ".".join(parts) or "<file>"


def render_location(loc, tree):
    path, span, lead, trail, detached = loc
    s = "path=%s (%s) span=%s" % (list(path), annotate_path(path, tree), list(span))
    for label, val in (("leading", lead), ("trailing", trail)):
        if val is not None:
            s += " %s=%s" % (label, render(val, 80))
    if detached:
        s += " detached=[%s]" % ", ".join(render(d, 60) for d in detached)
    return s


def _value_diff(label, va, vb):
    """Lines showing how two comment values (str, None or tuple of str) differ."""
    if isinstance(va, tuple) and isinstance(vb, tuple) and len(va) == len(vb):
        for j, (x, y) in enumerate(zip(va, vb)):
            if x != y:
                return _value_diff("%s[%d]" % (label, j), x, y)
    if isinstance(va, str) and isinstance(vb, str):
        k = next((j for j in range(min(len(va), len(vb))) if va[j] != vb[j]), min(len(va), len(vb)))
        return ["%s differs at char %d (lengths %d vs %d):" % (label, k, len(va), len(vb)),
                "  A: ...%s" % render(va[max(0, k - 30):k + 50], 200),
                "  B: ...%s" % render(vb[max(0, k - 30):k + 50], 200)]
    def show(v):
        if v is None:
            return "<absent>"
        if isinstance(v, (tuple, list)):
            # e.g. leading detached comments: a list of strings
            return "[" + ", ".join(render(x, 200) for x in v) + "]"
        return render(v, 200)
    return ["%s: A=%s" % (label, show(va)), "%s  B=%s" % (" " * len(label), show(vb))]


def explain_sci(fa, fb, show):
    lines = []
    if not fa.sci and not fb.sci:
        return ["  (both empty but encoded differently)"]
    try:
        la = location_slices(fa.sci)
        lb = location_slices(fb.sci)
        tree = None
        try:
            tree = decode_message(fa.descriptor or fb.descriptor, "FileDescriptorProto")
        except (WireError, IndexError):
            pass
        ca = collections.Counter(decode_location(r) for r in la)
        cb = collections.Counter(decode_location(r) for r in lb)
    except (WireError, IndexError) as exc:
        return ["  could not decode: %s" % exc]
    only_a = ca - cb
    only_b = cb - ca
    lines.append("  locations: A=%d B=%d; only in A: %d, only in B: %d%s"
                 % (len(la), len(lb), sum(only_a.values()), sum(only_b.values()),
                    "" if fa.has_sci == fb.has_sci else
                    " (source_code_info %s in B)" % ("absent" if fa.has_sci else "present only")))

    def order_key(item):
        return (item[0][0], item[0][1])

    def order_key_loc(loc):
        return (loc[0], loc[1])

    # pair up locations that exist on both sides with the same path: first those
    # with the same span too (comments differ), then the rest (span differs)
    for title, keyfn in (("same path and span, different comments", lambda l: (l[0], l[1])),
                         ("same path, different span", lambda l: l[0])):
        by_key = collections.defaultdict(list)
        for loc in sorted(only_a.elements(), key=order_key_loc):
            by_key[keyfn(loc)].append(loc)
        changed = []
        for loc in sorted(only_b.elements(), key=order_key_loc):
            cands = by_key.get(keyfn(loc))
            if cands:
                old = cands.pop(0)
                changed.append((old, loc))
                only_a[old] -= 1
                only_b[loc] -= 1
        only_a += collections.Counter()   # drop zero counts
        only_b += collections.Counter()
        if not changed:
            continue
        lines.append("  %s: %d" % (title, len(changed)))
        for old, new in changed[:show]:
            if old[1] == new[1]:
                span = "span=%s" % list(old[1])
            else:
                span = "span A=%s B=%s" % (list(old[1]), list(new[1]))
            lines.append("    path=%s (%s) %s" % (list(old[0]), annotate_path(old[0], tree), span))
            for idx, label in ((2, "leading"), (3, "trailing"), (4, "detached")):
                if old[idx] != new[idx]:
                    lines.extend("      " + l for l in _value_diff(label, old[idx], new[idx]))
        if len(changed) > show:
            lines.append("    ... %d more" % (len(changed) - show))

    for label, missing in (("missing in B (present in A)", only_a),
                           ("missing in A (present in B)", only_b)):
        if not missing:
            continue
        lines.append("  %s:" % label)
        for loc, n in sorted(missing.items(), key=order_key)[:show]:
            lines.append("    %s%s" % (render_location(loc, tree), "" if n == 1 else " x%d" % n))
        if len(missing) > show:
            lines.append("    ... %d more" % (len(missing) - show))
    return lines


# ----------------------------------------------------------------------------
# image file extension (field 8042)
# ----------------------------------------------------------------------------

def decode_extension(raw, present):
    if not present:
        return None
    is_import = syntax_unspec = module_info = None
    unused = []
    for fnum, wt, fs, vs, ve in iter_fields(raw, 0, len(raw)):
        if fnum == 1 and wt == 0:
            is_import = bool(read_varint(raw, vs)[0])
        elif fnum == 3 and wt == 0:
            syntax_unspec = bool(read_varint(raw, vs)[0])
        elif fnum == 2 and wt == 2:
            module_info = render(decode_message(raw[vs:ve], "ModuleInfo"), 10000)
        elif fnum == 4:
            if wt == 2:
                unused.extend(unpack_varints(raw, vs, ve))
            elif wt == 0:
                unused.append(read_varint(raw, vs)[0])
    return {"is_import": is_import, "module_info": module_info,
            "is_syntax_unspecified": syntax_unspec, "unused_dependency": unused}


# ----------------------------------------------------------------------------
# main comparison
# ----------------------------------------------------------------------------

def index_by_name(files, label, warnings):
    out = {}
    for fp in files:
        if fp.name in out:
            warnings.append("%s: duplicate file name %s (entries #%d and #%d); "
                            "comparing the first" % (label, fp.name, out[fp.name].index, fp.index))
            continue
        out[fp.name] = fp
    return out


def compare(path_a, path_b, args):
    warnings = []
    data_a, files_a, stray_a = load_image(path_a)
    data_b, files_b, stray_b = load_image(path_b)
    for label, stray in ((args.label_a, stray_a), (args.label_b, stray_b)):
        for fnum, n in sorted(stray.items()):
            warnings.append("%s: %d top-level entries with field %d (not file = 1) ignored"
                            % (label, n, fnum))
    by_a = index_by_name(files_a, args.label_a, warnings)
    by_b = index_by_name(files_b, args.label_b, warnings)

    names_a = [f.name for f in files_a]
    names_b = [f.name for f in files_b]
    if args.only_file:
        names_a = [n for n in names_a if n == args.only_file]
        names_b = [n for n in names_b if n == args.only_file]
        if not names_a and not names_b:
            warnings.append("file %s is in neither input" % args.only_file)
    set_b = set(names_b)
    set_a = set(names_a)
    only_a = [n for n in names_a if n not in set_b]
    only_b = [n for n in names_b if n not in set_a]
    common = [n for n in names_a if n in set_b]

    order_identical = names_a == names_b
    common_b_order = [n for n in names_b if n in set_a]
    common_order_identical = common == common_b_order
    first_order_diff = None
    if not common_order_identical:
        for i, (x, y) in enumerate(zip(common, common_b_order)):
            if x != y:
                first_order_diff = (i, x, y)
                break

    desc_bad, sci_bad, ext_bad = [], [], []
    sci_bytes = sci_order = sci_encoding = 0
    ext_bytes = 0
    ext_values = {}
    quiet_diff = {}     # name -> reasons, for files equal in every category but not in bytes
    for name in common:
        fa, fb = by_a[name], by_b[name]
        if fa.descriptor != fb.descriptor:
            desc_bad.append(name)
        try:
            how = compare_sci(fa.sci, fb.sci)
        except (WireError, IndexError) as exc:
            warnings.append("%s: source info did not parse: %s" % (name, exc))
            how = None
        reasons = []
        if how is None:
            sci_bad.append(name)
        elif how == "bytes":
            sci_bytes += 1
        elif how == "order":
            sci_order += 1
            reasons.append("source info locations in a different order")
        else:
            sci_encoding += 1
            reasons.append("source info locations encoded differently")
        if fa.ext == fb.ext and fa.has_ext == fb.has_ext:
            ext_bytes += 1
        else:
            try:
                va = decode_extension(fa.ext, fa.has_ext)
                vb = decode_extension(fb.ext, fb.has_ext)
            except (WireError, IndexError) as exc:
                va, vb = "undecodable: %s" % exc, None
            if va != vb:
                ext_bad.append(name)
                ext_values[name] = (va, vb)
            else:
                reasons.append("extension encoded differently (%d vs %d bytes)"
                               % (len(fa.ext), len(fb.ext)))
        if data_a[fa.raw[0]:fa.raw[1]] != data_b[fb.raw[0]:fb.raw[1]]:
            if name not in desc_bad and how is not None and name not in ext_values:
                quiet_diff[name] = reasons or [
                    "fields 9/8042 placed differently in the FileDescriptorProto"]

    bad_names = set(desc_bad) | set(sci_bad) | set(ext_bad)
    raw_identical = len(common) - len(bad_names) - len(quiet_diff)

    n = len(common)
    image_identical = (not args.only_file and data_a == data_b)
    ok = (not only_a and not only_b and order_identical and not desc_bad and not sci_bad
          and not ext_bad and not warnings)
    if args.strict:
        ok = ok and raw_identical == n and (image_identical or bool(args.only_file))

    summary = {
        "a": path_a, "b": path_b, "labels": [args.label_a, args.label_b],
        "files_a": len(names_a), "files_b": len(names_b), "common": n,
        "only_in_a": only_a, "only_in_b": only_b,
        "order_identical": order_identical,
        "common_order_identical": common_order_identical,
        "descriptors": {"identical": n - len(desc_bad), "total": n, "mismatched": desc_bad},
        "source_info": {"identical": n - len(sci_bad), "total": n,
                        "byte_identical": sci_bytes, "order_only": sci_order,
                        "encoding_only": sci_encoding, "mismatched": sci_bad},
        "extensions": {"identical": n - len(ext_bad), "total": n,
                       "byte_identical": ext_bytes, "mismatched": ext_bad},
        "files_byte_identical": raw_identical,
        "equal_but_not_byte_identical": [{"file": k, "reasons": v} for k, v in quiet_diff.items()],
        "image_byte_identical": image_identical,
        "warnings": warnings,
        "strict": bool(args.strict),
        "identical": ok,
    }
    return summary, by_a, by_b, ext_values, first_order_diff


def print_report(summary, by_a, by_b, ext_values, first_order_diff, args, out):
    A, B = args.label_a, args.label_b
    n = summary["common"]
    w = out.write
    w("files: %s=%d %s=%d common=%d\n" % (A, summary["files_a"], B, summary["files_b"], n))
    for label, lst in (("only in %s" % A, summary["only_in_a"]), ("only in %s" % B, summary["only_in_b"])):
        if lst:
            w("%s: %d  (%s%s)\n" % (label, len(lst), ", ".join(lst[:5]),
                                    ", ..." if len(lst) > 5 else ""))
    d, s, e = summary["descriptors"], summary["source_info"], summary["extensions"]
    w("descriptors identical: %d/%d\n" % (d["identical"], n))
    extra = []
    if s["order_only"]:
        extra.append("%d differ only in location order" % s["order_only"])
    if s["encoding_only"]:
        extra.append("%d differ only in encoding" % s["encoding_only"])
    w("source info identical: %d/%d (byte-identical: %d%s)\n"
      % (s["identical"], n, s["byte_identical"], "; " + "; ".join(extra) if extra else ""))
    w("extensions identical: %d/%d (byte-identical: %d)\n" % (e["identical"], n, e["byte_identical"]))
    order = "yes" if summary["order_identical"] else "no"
    if not summary["order_identical"] and summary["common_order_identical"]:
        order += " (common files are in the same order)"
    elif first_order_diff:
        i, x, y = first_order_diff
        order += " (first difference among common files at #%d: %s=%s, %s=%s)" % (i, A, x, B, y)
    w("order identical: %s\n" % order)
    w("files byte-identical: %d/%d; whole image byte-identical: %s\n"
      % (summary["files_byte_identical"], n, "yes" if summary["image_byte_identical"] else "no"))
    quiet = summary["equal_but_not_byte_identical"]
    if quiet:
        w("equal in every category but not byte-identical: %d file(s)%s\n"
          % (len(quiet), "" if args.strict else " (use --strict to fail on this)"))
        for item in quiet[:args.max_files]:
            w("  %s: %s\n" % (item["file"], "; ".join(item["reasons"])))
        if len(quiet) > args.max_files:
            w("  ... %d more\n" % (len(quiet) - args.max_files))
    for warning in summary["warnings"]:
        w("warning: %s\n" % warning)

    limit = args.max_files if not args.only_file else 1 << 30
    bad = []
    seen = set()
    for cat in ("descriptors", "source_info", "extensions"):
        for name in summary[cat]["mismatched"]:
            if name not in seen:
                seen.add(name)
                bad.append(name)
    order = {name: by_a[name].index for name in bad}
    bad.sort(key=order.get)
    if bad:
        w("\nfirst %d of %d mismatching files (A=%s, B=%s):\n" % (min(limit, len(bad)), len(bad), A, B))
    desc_set = set(summary["descriptors"]["mismatched"])
    sci_set = set(summary["source_info"]["mismatched"])
    for name in bad[:limit]:
        fa, fb = by_a[name], by_b[name]
        w("\n=== %s\n" % name)
        if name in desc_set:
            w(" descriptor differs (%d vs %d bytes without source info/extension)\n"
              % (len(fa.descriptor), len(fb.descriptor)))
            for line in explain_descriptor(fa, fb):
                w(line + "\n")
        if name in sci_set:
            w(" source info differs\n")
            for line in explain_sci(fa, fb, args.show_locations):
                w(line + "\n")
        if name in ext_values:
            va, vb = ext_values[name]
            w(" extension differs\n")
            if isinstance(va, dict) and isinstance(vb, dict):
                for key in va:
                    if va[key] != vb[key]:
                        w("  %s: A=%s B=%s\n" % (key, va[key], vb[key]))
            else:
                w("  A: %s\n  B: %s\n" % (va if va is not None else "<no field 8042>",
                                          vb if vb is not None else "<no field 8042>"))
    if summary["identical"]:
        w("\nRESULT: identical\n")
    else:
        w("\nRESULT: DIFFERENT\n")


def main(argv=None):
    p = argparse.ArgumentParser(
        description="Compare two FileDescriptorSet / buf Image files file by file.")
    p.add_argument("a", help="expected image (e.g. buf's output)")
    p.add_argument("b", help="actual image (e.g. ours)")
    p.add_argument("-n", "--max-files", type=int, default=10,
                   help="explain at most this many mismatching files (default 10)")
    p.add_argument("--locations", dest="show_locations", type=int, default=5,
                   help="source locations to show per side for a source-info mismatch (default 5)")
    p.add_argument("--only-file", metavar="NAME", help="compare only this file (e.g. google/type/date.proto)")
    p.add_argument("--json", action="store_true", help="print a machine-readable summary instead")
    p.add_argument("--labels", default="a,b", help="names for the two sides, e.g. buf,ours")
    p.add_argument("--strict", action="store_true",
                   help="also require every file (and the whole image) to be byte-identical")
    args = p.parse_args(argv)
    labels = args.labels.split(",")
    if len(labels) != 2:
        p.error("--labels takes two comma-separated names")
    args.label_a, args.label_b = labels
    try:
        summary, by_a, by_b, ext_values, first_order_diff = compare(args.a, args.b, args)
    except (OSError, WireError, IndexError) as exc:
        sys.stderr.write("fdsdiff: %s\n" % exc)
        return 2
    if args.json:
        json.dump(summary, sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        print_report(summary, by_a, by_b, ext_values, first_order_diff, args, sys.stdout)
    return 0 if summary["identical"] else 1


if __name__ == "__main__":
    sys.exit(main())
