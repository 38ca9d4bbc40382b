"""Lint and breaking-change tests over proto_library targets.

buf_lint_test and buf_breaking_test run, at test time, protoc with an
argument file, a buf plugin and the descriptor sets proto_library made, as
rules_buf's rules of the same names do: the same argument shape and the same
plugin parameter keys, so protolith's plugins see what they would see there.
Written for Bazel 4.2.3 offline: no toolchains (the plugins come from
@buf_plugins, see plugins.bzl) and no sh_test (which would need rules_cc).
The test passes when protoc exits 0; findings make the plugin answer with an
error, which protoc prints after "--buf-lint_out: " and exits 1.

proto_image builds a breaking baseline from .proto files with protoc.
"""

def _import_path(info, src):
    # A file's name inside the descriptor set: its path below the
    # proto_library's source root.
    root = info.proto_source_root
    if root in ("", "."):
        return src.path
    if not src.path.startswith(root + "/"):
        fail("%s is not below its proto source root %s" % (src.path, root))
    return src.path[len(root) + 1:]

def _plugin_test(ctx, plugin_name, plugin, parameter, data):
    infos = [target[ProtoInfo] for target in ctx.attr.targets]
    descriptor_sets = depset(transitive = [info.transitive_descriptor_sets for info in infos]).to_list()
    files_to_check = []
    for info in infos:
        for src in info.direct_sources:
            files_to_check.append(_import_path(info, src))

    # One argument a line, as Bazel's multiline parameter files are.
    args = ctx.actions.declare_file(ctx.label.name + ".args")
    lines = [
        "--plugin=protoc-gen-%s=%s" % (plugin_name, plugin.short_path),
        "--%s_opt=%s" % (plugin_name, json.encode(parameter)),
        "--descriptor_set_in",
        ":".join([f.short_path for f in descriptor_sets]),
        "--%s_out=." % plugin_name,
    ] + files_to_check
    ctx.actions.write(args, "\n".join(lines) + "\n")

    # Runs from the workspace's runfiles directory, where every short_path
    # above (and the config and baseline paths in the parameter) resolve.
    protoc = ctx.executable._protoc
    ctx.actions.write(
        ctx.outputs.executable,
        "#!/bin/sh\nexec %s @%s\n" % (protoc.short_path, args.short_path),
        is_executable = True,
    )
    runfiles = ctx.runfiles(files = [protoc, plugin, args] + descriptor_sets + data)
    return [DefaultInfo(executable = ctx.outputs.executable, runfiles = runfiles)]

def _config_parameter(ctx):
    # rules_buf sends "" when no config is given: the plugin then reads
    # buf.yaml from its working directory, or uses buf's defaults.
    return ctx.file.config.short_path if ctx.file.config else ""

def _buf_lint_test_impl(ctx):
    parameter = {
        "error_format": ctx.attr.error_format,
        "input_config": _config_parameter(ctx),
    }
    if ctx.attr.module:
        parameter["module"] = ctx.attr.module
    data = [ctx.file.config] if ctx.file.config else []
    return _plugin_test(ctx, "buf-lint", ctx.executable._plugin, parameter, data)

def _buf_breaking_test_impl(ctx):
    parameter = {
        "against_input": ctx.file.against.short_path,
        "error_format": ctx.attr.error_format,
        "exclude_imports": ctx.attr.exclude_imports,
        "input_config": _config_parameter(ctx),
        "limit_to_input_files": ctx.attr.limit_to_input_files,
    }
    data = [ctx.file.against] + ([ctx.file.config] if ctx.file.config else [])
    return _plugin_test(ctx, "buf-breaking", ctx.executable._plugin, parameter, data)

_COMMON_ATTRS = {
    "targets": attr.label_list(
        providers = [ProtoInfo],
        mandatory = True,
        doc = "proto_library targets whose own files are checked",
    ),
    "config": attr.label(
        allow_single_file = [".yaml", ".yml", ".json"],
        doc = "buf.yaml (or .json) passed as input_config",
    ),
    "error_format": attr.string(
        default = "",
        doc = "the plugin's error_format: text (\"\"), json, msvs, junit, github-actions, ...",
    ),
    "_protoc": attr.label(
        default = "@com_google_protobuf//:protoc",
        executable = True,
        allow_single_file = True,
        cfg = "target",
    ),
}

buf_lint_test = rule(
    implementation = _buf_lint_test_impl,
    test = True,
    attrs = dict(_COMMON_ATTRS, **{
        "module": attr.string(doc = "which module of a v2 buf.yaml: its path or full name"),
        "_plugin": attr.label(
            default = "@buf_plugins//:protoc-gen-buf-lint",
            executable = True,
            allow_single_file = True,
            cfg = "target",
        ),
    }),
)

buf_breaking_test = rule(
    implementation = _buf_breaking_test_impl,
    test = True,
    attrs = dict(_COMMON_ATTRS, **{
        "against": attr.label(
            allow_single_file = True,
            mandatory = True,
            doc = "the baseline: a buf image or a FileDescriptorSet (.binpb)",
        ),
        "limit_to_input_files": attr.bool(
            default = False,
            doc = "compare only the baseline's files that are among the targets' files",
        ),
        "exclude_imports": attr.bool(default = True),
        "_plugin": attr.label(
            default = "@buf_plugins//:protoc-gen-buf-breaking",
            executable = True,
            allow_single_file = True,
            cfg = "target",
        ),
    }),
)

def _proto_image_impl(ctx):
    # Import paths are relative to the rule's package: baseline/acme/v1/a.proto
    # in package baseline is acme/v1/a.proto in the image.
    root = "/".join([p for p in [ctx.label.workspace_root, ctx.label.package] if p]) or "."
    out = ctx.actions.declare_file(ctx.label.name + ".binpb")
    args = ctx.actions.args()
    args.add("--include_imports")
    args.add("--include_source_info")
    args.add("-I" + root)
    args.add("-o", out)
    args.add_all(ctx.files.srcs)
    ctx.actions.run(
        executable = ctx.executable._protoc,
        arguments = [args],
        inputs = ctx.files.srcs,
        outputs = [out],
        mnemonic = "ProtoImage",
        progress_message = "Building image %s" % out.short_path,
    )
    return [DefaultInfo(files = depset([out]))]

proto_image = rule(
    implementation = _proto_image_impl,
    doc = "A FileDescriptorSet with imports and source info, readable as a buf image (.binpb).",
    attrs = {
        "srcs": attr.label_list(allow_files = [".proto"], mandatory = True),
        "_protoc": attr.label(
            default = "@com_google_protobuf//:protoc",
            executable = True,
            allow_single_file = True,
            cfg = "exec",
        ),
    },
)
