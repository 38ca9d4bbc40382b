//! The well-known types, embedded in the binary: the same versions buf 1.75.0
//! embeds (recovered by scripts/extract-wkt.py). A module's own copy of one of
//! these files takes precedence; these are used when nothing else provides it.

macro_rules! wkt {
    ($($path:literal),* $(,)?) => {
        /// Every embedded file as (import path, source).
        pub const FILES: &[(&str, &str)] = &[
            $(($path, include_str!(concat!("wkt/", $path))),)*
        ];
    };
}

wkt!(
    "google/protobuf/any.proto",
    "google/protobuf/api.proto",
    "google/protobuf/c_sharp_features.proto",
    "google/protobuf/compiler/plugin.proto",
    "google/protobuf/cpp_features.proto",
    "google/protobuf/descriptor.proto",
    "google/protobuf/duration.proto",
    "google/protobuf/empty.proto",
    "google/protobuf/field_mask.proto",
    "google/protobuf/go_features.proto",
    "google/protobuf/java_features.proto",
    "google/protobuf/source_context.proto",
    "google/protobuf/struct.proto",
    "google/protobuf/timestamp.proto",
    "google/protobuf/type.proto",
    "google/protobuf/wrappers.proto",
);

pub fn source(import_path: &str) -> Option<&'static str> {
    FILES
        .iter()
        .find(|(p, _)| *p == import_path)
        .map(|(_, s)| *s)
}

pub fn is_wkt(import_path: &str) -> bool {
    source(import_path).is_some()
}
