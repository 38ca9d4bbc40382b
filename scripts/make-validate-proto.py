#!/usr/bin/env python3
"""Prints a schema-only buf/validate/validate.proto (names, numbers, types; no
comments, no CEL) from protovalidate's published FileDescriptorProto.

Usage: make-validate-proto.py validate.desc > validate.proto
(testdata/protovalidate/README.md says where validate.desc comes from.)"""
import sys
from google.protobuf import descriptor_pb2 as d
fd = d.FileDescriptorProto(); fd.ParseFromString(open(sys.argv[1], 'rb').read())
F = d.FieldDescriptorProto
TYPES = {F.TYPE_DOUBLE:'double',F.TYPE_FLOAT:'float',F.TYPE_INT64:'int64',F.TYPE_UINT64:'uint64',F.TYPE_INT32:'int32',F.TYPE_FIXED64:'fixed64',F.TYPE_FIXED32:'fixed32',F.TYPE_BOOL:'bool',F.TYPE_STRING:'string',F.TYPE_BYTES:'bytes',F.TYPE_UINT32:'uint32',F.TYPE_SFIXED32:'sfixed32',F.TYPE_SFIXED64:'sfixed64',F.TYPE_SINT32:'sint32',F.TYPE_SINT64:'sint64'}
out = []
w = out.append
def tname(f):
    return f.type_name if f.type_name else TYPES[f.type]
def field(f, ind, in_oneof=False):
    lab = '' if in_oneof else ('repeated ' if f.label == F.LABEL_REPEATED else 'optional ')
    opts = []
    if f.HasField('default_value'): opts.append(f'default = {f.default_value}')
    if f.options.deprecated: opts.append('deprecated = true')
    if f.options.HasField('packed'): opts.append(f'packed = {str(f.options.packed).lower()}')
    o = f' [{", ".join(opts)}]' if opts else ''
    w(f'{ind}{lab}{tname(f)} {f.name} = {f.number}{o};')
def enum(e, ind):
    w(f'{ind}enum {e.name} {{')
    for v in e.value: w(f'{ind}  {v.name} = {v.number};')
    w(f'{ind}}}')
def msg(m, ind):
    w(f'{ind}message {m.name} {{')
    done = set()
    for i, f in enumerate(m.field):
        if f.HasField('oneof_index'):
            oi = f.oneof_index
            if oi in done: continue
            done.add(oi)
            w(f'{ind}  oneof {m.oneof_decl[oi].name} {{')
            for g in m.field:
                if g.HasField('oneof_index') and g.oneof_index == oi: field(g, ind + '    ', True)
            w(f'{ind}  }}')
        else:
            field(f, ind + '  ')
    for n in m.nested_type: msg(n, ind + '  ')
    for e in m.enum_type: enum(e, ind + '  ')
    for r in m.extension_range:
        end = 'max' if r.end >= 536870912 else str(r.end - 1)
        w(f'{ind}  extensions {r.start} to {end};')
    for r in m.reserved_range:
        w(f'{ind}  reserved {r.start}' + (f' to {r.end-1};' if r.end - 1 != r.start else ';'))
    if m.reserved_name: w(f'{ind}  reserved ' + ', '.join(f'"{n}"' for n in m.reserved_name) + ';')
    w(f'{ind}}}')
w('// Schema of protovalidate\'s buf/validate/validate.proto (names and numbers only),')
w('// printed by make-validate-proto.py from the descriptor that protovalidate publishes.')
w('syntax = "proto2";')
w('')
w(f'package {fd.package};')
w('')
for dep in fd.dependency: w(f'import "{dep}";')
w('')
w(f'option go_package = "{fd.options.go_package}";')
w('')
exts = {}
for e in fd.extension: exts.setdefault(e.extendee, []).append(e)
for ext, fs in exts.items():
    w(f'extend {ext} {{')
    for f in fs: field(f, '  ')
    w('}')
    w('')
for m in fd.message_type: msg(m, ''); w('')
for e in fd.enum_type: enum(e, ''); w('')
print('\n'.join(out).rstrip())
