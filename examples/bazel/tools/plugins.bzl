"""The repository holding the two protoc plugins the tests run.

Each plugin is a link named exactly as buf names its binaries, pointing at
the executable the environment gives. protolith answers as a plugin when run
under one of these names (it dispatches on argv[0]), so for protolith both
variables name the same binary; for buf they name its two programs. A link
rather than a wrapper script keeps the binary itself an input of every test:
rebuilding it re-runs them.
"""

_PLUGINS = {
    "protoc-gen-buf-lint": "PROTOC_GEN_BUF_LINT",
    "protoc-gen-buf-breaking": "PROTOC_GEN_BUF_BREAKING",
}

def _buf_plugins_repository_impl(rctx):
    for name, variable in _PLUGINS.items():
        target = rctx.os.environ.get(variable, "")
        if not target:
            fail("%s is not set: give the path of the %s to run (run.sh sets it)" % (variable, name))
        path = rctx.path(target)
        if not path.exists:
            fail("%s=%s does not exist" % (variable, target))
        rctx.symlink(path, name)
    rctx.file("WORKSPACE", 'workspace(name = "%s")\n' % rctx.name)
    rctx.file("BUILD.bazel", """exports_files(
    {names},
    visibility = ["//visibility:public"],
)
""".format(names = repr(sorted(_PLUGINS.keys()))))

buf_plugins_repository = repository_rule(
    implementation = _buf_plugins_repository_impl,
    environ = sorted(_PLUGINS.values()),
    local = True,
)
