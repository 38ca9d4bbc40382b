//! Module digests as buf computes them: the file set a digest covers, the cas manifest,
//! b5 (files plus every transitive dependency's b5) and b4 (files plus the v1 buf.yaml and
//! buf.lock). Digests are what buf.lock pins and what the cache is checked against, so every
//! byte here must match buf.

use std::fmt;

use sha3::Shake256;
use sha3::digest::{ExtendableOutput, Update, XofReader};

/// The digest types buf.lock and the cache use for modules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DigestKind {
    /// `shake256:` — v1/v1beta1 buf.lock files and the `shake256/` cache tree.
    B4,
    /// `b5:` — v2 buf.lock files and the `b5/` cache tree.
    B5,
}

impl DigestKind {
    /// The text before the `:` (also the cache directory name).
    pub fn prefix(self) -> &'static str {
        match self {
            DigestKind::B4 => "shake256",
            DigestKind::B5 => "b5",
        }
    }
}

impl fmt::Display for DigestKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.prefix())
    }
}

/// A module digest: a kind and the 64 bytes of SHAKE256 output.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest {
    pub kind: DigestKind,
    pub value: Vec<u8>,
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind.prefix(), to_hex(&self.value))
    }
}

/// The separator-format hint buf prints for a digest with no `:` or bad hex (its wording,
/// including the missing "be").
const DIGEST_FORM: &str = "must in the form \"digest_type:digest_hex_value\"";

impl Digest {
    /// Parses `b5:<hex>` or `shake256:<hex>` with buf's messages (`bufmodule.ParseDigest`):
    /// the text says what is wrong; buf.lock reading adds `decode buf.lock: ` in front.
    pub fn parse(text: &str) -> Result<Digest, String> {
        let quoted = crate::config::path::quote(text);
        let Some((kind_text, hex)) = text.split_once(':') else {
            return Err(format!(
                "could not parse module digest {quoted}: {DIGEST_FORM}"
            ));
        };
        let kind = match kind_text {
            "b5" => DigestKind::B5,
            "shake256" => DigestKind::B4,
            other => {
                // buf leaves the quoted type out when it is empty.
                let type_part = if other.is_empty() {
                    String::new()
                } else {
                    format!(" {}", crate::config::path::quote(other))
                };
                return Err(format!(
                    "could not parse module digest {quoted}: could not parse module digest type{type_part}: unknown type: {}",
                    crate::config::path::quote(other)
                ));
            }
        };
        let Some(value) = from_hex(hex) else {
            return Err(format!(
                "could not parse module digest {quoted}: could not parse hex: {DIGEST_FORM}"
            ));
        };
        check_shake256_len(&value)?;
        Ok(Digest { kind, value })
    }
}

/// buf stores every digest value as a SHAKE256 output and checks its length on parse.
pub(crate) fn check_shake256_len(value: &[u8]) -> Result<(), String> {
    if value.len() == 64 {
        Ok(())
    } else {
        Err(format!(
            "invalid shake256 digest value: expected 64 bytes, got {}",
            value.len()
        ))
    }
}

/// SHAKE256 read to 64 bytes, the only output length buf uses.
pub fn shake256_64(data: &[u8]) -> [u8; 64] {
    let mut hasher = Shake256::default();
    hasher.update(data);
    let mut out = [0u8; 64];
    hasher.finalize_xof().read(&mut out);
    out
}

/// Lower-case hex, as buf prints digests.
pub(crate) fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// Go's `hex.DecodeString`: either case, even length, nothing else.
pub(crate) fn from_hex(text: &str) -> Option<Vec<u8>> {
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    bytes
        .chunks_exact(2)
        .map(|pair| match pair {
            [hi, lo] => Some(nibble(*hi)? << 4 | nibble(*lo)?),
            _ => None,
        })
        .collect()
}

/// Root-level doc files, in buf's precedence order: only the first present one counts.
const DOC_FILES: [&str; 3] = ["buf.md", "README.md", "README.markdown"];

/// buf's module file set: `.proto` at any depth, `LICENSE` at the root, and the first existing of
/// `buf.md`, `README.md`, `README.markdown` at the root. Keeps input order otherwise.
///
/// Everything else (buf.yaml, buf.lock, stray files in a cache entry) is dropped, because
/// buf applies the same filter to local modules, downloads and cache reads before hashing.
pub fn module_files(files: Vec<(String, Vec<u8>)>) -> Vec<(String, Vec<u8>)> {
    let doc = DOC_FILES
        .iter()
        .find(|name| files.iter().any(|(path, _)| path == *name))
        .copied();
    files
        .into_iter()
        .filter(|(path, _)| is_proto_path(path) || path == "LICENSE" || Some(path.as_str()) == doc)
        .collect()
}

/// Go's `filepath.Ext(path) == ".proto"`: the extension of the last path element.
fn is_proto_path(path: &str) -> bool {
    let base = path.rsplit('/').next().unwrap_or(path);
    base.rfind('.')
        .is_some_and(|dot| base.get(dot..) == Some(".proto"))
}

/// The manifest: `shake256:<hex>  <path>\n` lines sorted by path bytes.
pub fn manifest(files: &[(String, Vec<u8>)]) -> String {
    manifest_of(
        files
            .iter()
            .map(|(p, d)| (p.as_str(), d.as_slice()))
            .collect(),
    )
}

/// The manifest of borrowed entries; files are hashed in parallel (a
/// googleapis-sized module is some 80 MB).
fn manifest_of(mut entries: Vec<(&str, &[u8])>) -> String {
    use rayon::prelude::*;
    entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let lines: Vec<String> = entries
        .par_iter()
        .map(|(path, data)| format!("shake256:{}  {path}\n", to_hex(&shake256_64(data))))
        .collect();
    lines.concat()
}

/// [`module_files`] without copying: the kept entries, borrowed.
fn module_file_refs(files: &[(String, Vec<u8>)]) -> Vec<(&str, &[u8])> {
    let doc = DOC_FILES
        .iter()
        .find(|name| files.iter().any(|(path, _)| path == *name))
        .copied();
    files
        .iter()
        .filter(|(path, _)| is_proto_path(path) || path == "LICENSE" || Some(path.as_str()) == doc)
        .map(|(p, d)| (p.as_str(), d.as_slice()))
        .collect()
}

/// `shake256:<hex>` of the manifest of `module_files(files)`: b5's first line, and b4 itself
/// when there are no v1 files.
fn files_digest_line(files: &[(String, Vec<u8>)]) -> String {
    let selected = module_file_refs(files);
    format!(
        "shake256:{}",
        to_hex(&shake256_64(manifest_of(selected).as_bytes()))
    )
}

/// b5 over module_files(files) and the full transitive dep digests (any order; sorted inside).
///
/// The dep digests are taken as their text (`b5:<hex>`); buf sorts those strings and keeps
/// duplicates (two deps with identical content both count).
pub fn b5(files: &[(String, Vec<u8>)], deps: &[Digest]) -> Digest {
    let mut lines = vec![files_digest_line(files)];
    let mut dep_lines: Vec<String> = deps.iter().map(ToString::to_string).collect();
    dep_lines.sort();
    lines.extend(dep_lines);
    Digest {
        kind: DigestKind::B5,
        value: shake256_64(lines.join("\n").as_bytes()).to_vec(),
    }
}

/// b4: manifest of module_files(files) plus the v1 buf.yaml (named "buf.yaml" or "buf.mod") and
/// v1 buf.lock ("buf.lock") when given.
///
/// The v1 files enter under their base names, so a module's b4 depends on its buf.yaml (which
/// holds its name, registry included): b4 values differ between hosts, b5 values do not.
pub fn b4(
    files: &[(String, Vec<u8>)],
    v1_buf_yaml: Option<(&str, &[u8])>,
    v1_buf_lock: Option<&[u8]>,
) -> Digest {
    let mut selected = module_file_refs(files);
    if let Some((name, data)) = v1_buf_yaml {
        selected.push((name, data));
    }
    if let Some(data) = v1_buf_lock {
        selected.push(("buf.lock", data));
    }
    Digest {
        kind: DigestKind::B4,
        value: shake256_64(manifest_of(selected).as_bytes()).to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(list: &[(&str, &str)]) -> Vec<(String, Vec<u8>)> {
        list.iter()
            .map(|(p, c)| ((*p).to_string(), c.as_bytes().to_vec()))
            .collect()
    }

    fn digest(text: &str) -> Digest {
        match Digest::parse(text) {
            Ok(d) => d,
            Err(e) => panic!("bad test digest {text}: {e}"),
        }
    }

    const DEP_PROTO: &str =
        "syntax = \"proto3\";\npackage dep.v1;\nmessage Dep { string x = 1; }\n";

    fn v5() -> Vec<(String, Vec<u8>)> {
        files(&[
            ("dep/v1/dep.proto", DEP_PROTO),
            ("LICENSE", "lic\n"),
            ("README.md", "# readme\n"),
        ])
    }
    fn v6() -> Vec<(String, Vec<u8>)> {
        files(&[
            (
                "util/v1/util.proto",
                "syntax = \"proto3\";\npackage util.v1;\nmessage U { int32 n = 1; }\n",
            ),
            ("buf.md", "# util\n"),
        ])
    }
    fn v7() -> Vec<(String, Vec<u8>)> {
        files(&[(
            "other/other.proto",
            "syntax = \"proto3\";\npackage other;\nimport \"dep/v1/dep.proto\";\nmessage O { dep.v1.Dep d = 1; }\n",
        )])
    }
    fn v8() -> Vec<(String, Vec<u8>)> {
        files(&[(
            "pair/pair.proto",
            "syntax = \"proto3\";\npackage pair;\nimport \"dep/v1/dep.proto\";\nimport \"util/v1/util.proto\";\nmessage P { dep.v1.Dep d = 1; util.v1.U u = 2; }\n",
        )])
    }

    const V5: &str = "b5:6c8cc8b0e4d06735e18b9f217b268cb35ded1dd703372c5eb27cfb4475ce7ed814192fe91c65b67bf1101d53d321ba5b0dd7b12775dbe8828be50ec27144c8eb";
    const V6: &str = "b5:e9882a9aa31f527980c9d719a47afff22de175b3489e72b2b5df2d05ecf93943a99b1c9326b48258f5ddcca82a91d9bdf047e3bf50a36d710a695de482257129";
    const V7: &str = "b5:cf92a30355d914ce43f475b7396750d0387a35ea4fb00f896ebf09f6d3286ddf40022c1dc169bb32eba4f922305b65c7f189ae1378b8b36179fd7dfe22a8fe9b";

    #[test]
    fn b5_vector_v5_dep_with_license_and_readme() {
        assert_eq!(b5(&v5(), &[]).to_string(), V5);
    }

    #[test]
    fn v5_manifest_lists_license_readme_then_proto() {
        let m = manifest(&module_files(v5()));
        let paths: Vec<&str> = m
            .lines()
            .filter_map(|l| l.split_once("  ").map(|(_, p)| p))
            .collect();
        assert_eq!(paths, ["LICENSE", "README.md", "dep/v1/dep.proto"]);
    }

    #[test]
    fn b5_vector_v6_buf_md() {
        assert_eq!(b5(&v6(), &[]).to_string(), V6);
    }

    #[test]
    fn b5_vector_v7_one_dep() {
        assert_eq!(b5(&v7(), &[digest(V5)]).to_string(), V7);
    }

    #[test]
    fn b5_vector_v8_two_direct_deps_any_order() {
        const V8: &str = "b5:35abecdbdfdc86bfda417c8752502d65e29cfec70dae1076cb21e67b3f92381223ea58e6b88ddafd57c66955b8a08a28575a527c5cf0135f68d77d44c6412eb7";
        assert_eq!(b5(&v8(), &[digest(V5), digest(V6)]).to_string(), V8);
        assert_eq!(b5(&v8(), &[digest(V6), digest(V5)]).to_string(), V8);
    }

    #[test]
    fn v8_intermediate_values() {
        let m = manifest(&module_files(v8()));
        assert_eq!(
            m,
            "shake256:354b21f8e330a3b58f243c1a76cf687ac00697537d6602d4573689431756b01faad11e9c0bf95336d93f62ee3a6b2a5d915b82cdefb5c330aa6968e0e5750215  pair/pair.proto\n"
        );
        assert_eq!(
            files_digest_line(&v8()),
            "shake256:48e565daf89c6c594c4161dbd0b34e1ef09779d839faf53b0e684d31977a5809020e30e6e52a9bfa6e889d981d08c5b5319fd2059eadb85684081a2ac9ff1a85"
        );
    }

    #[test]
    fn b5_vector_v9_direct_and_transitive() {
        let top = files(&[(
            "top/top.proto",
            "syntax = \"proto3\";\npackage top;\nimport \"other/other.proto\";\nmessage T { other.O o = 1; }\n",
        )]);
        assert_eq!(
            b5(&top, &[digest(V7), digest(V5)]).to_string(),
            "b5:939686cd5ee9d0df448ccfb7d1337b71ee5c1522ec46ed1c166f994a32a8af0453370e789fb09fae18820aa4d8623783d6ceab6f27653eff1cd3feeade106ef3"
        );
    }

    #[test]
    fn b4_vector_v10_with_v1_files() {
        let d = b4(
            &v5(),
            Some((
                "buf.yaml",
                b"version: v1\nname: 127.0.0.1:8765/acme/dep\n".as_slice(),
            )),
            Some(b"# Generated by buf. DO NOT EDIT.\nversion: v1\n".as_slice()),
        );
        assert_eq!(
            d.to_string(),
            "shake256:2b61fa0e2927b44d6c4d44b6528fb73c238906cbce8fc88fec24fe39d52aa40a7696d901ba483d93e4843c837456ee03da1b2109fc4b483e3bace38cb9208c9d"
        );
    }

    #[test]
    fn b4_ignores_a_buf_yaml_passed_as_a_module_file() {
        // buf.yaml only counts when given as the v1 file, never from the file list.
        let mut with_yaml = v5();
        with_yaml.push(("buf.yaml".to_string(), b"version: v1\n".to_vec()));
        assert_eq!(b4(&with_yaml, None, None), b4(&v5(), None, None));
    }

    const APPENDIX_A1: &str = "b5:0ddfe4b28e9c7d48632d9f078ea47d9ac811fe1fde50d5242084addf2c8d13db7291a96d90bd74ad1ea00506ba68d37be858d028620761cf7c43a9bc13dfaea9";

    #[test]
    fn appendix_a_1_single_proto() {
        let f = files(&[("dep/v1/dep.proto", DEP_PROTO)]);
        assert_eq!(b5(&f, &[]).to_string(), APPENDIX_A1);
    }

    #[test]
    fn appendix_a_2_proto_and_license() {
        let f = files(&[
            (
                "dep/v1/dep.proto",
                "syntax = \"proto3\";\npackage dep.v1;\nmessage Dep { string x = 1; string y = 2; }\n",
            ),
            ("LICENSE", "lic\n"),
        ]);
        assert_eq!(
            b5(&f, &[]).to_string(),
            "b5:717eac112c7ab5ba81135b671d7ed6adc9834cfd00085693b8c7eb85508112baf655e274927952951dbe7b57209c924eab1c94517f23ee1304bb1f870dc421c7"
        );
    }

    #[test]
    fn appendix_a_3_depends_on_1() {
        assert_eq!(
            b5(&v7(), &[digest(APPENDIX_A1)]).to_string(),
            "b5:f3f1bd2cfd0a82903295e9b73051a009821009f886c7d99333044e05648a4f4aa9bec43ce96ceb365d0d0353b024ab6c676a6f8d186bb98756903560b40fdb27"
        );
    }

    #[test]
    fn appendix_a_4_buf_md_wins_over_readme() {
        let expected = "b5:b72e5e88a9a2b95b8402fdd2e63e4183d62edcf7572d85d0b85caba4d8c94562408df04a89a0c1ffef374875aabb6458466cd1cd04ac2c514a859f1b616768f3";
        let mut f = files(&[
            ("dep/v1/dep.proto", DEP_PROTO),
            ("LICENSE", "MIT license text\n"),
            ("buf.md", "# bufmd\n"),
            ("README.md", "# readme\n"),
        ]);
        assert_eq!(b5(&f, &[]).to_string(), expected);
        if let Some(readme) = f.iter_mut().find(|(p, _)| p == "README.md") {
            readme.1 = b"changed\n".to_vec();
        }
        assert_eq!(b5(&f, &[]).to_string(), expected);
    }

    #[test]
    fn module_files_keeps_only_buf_module_files_in_input_order() {
        let input = files(&[
            ("z.proto", ""),
            ("README.markdown", ""),
            ("buf.yaml", ""),
            ("LICENSE", ""),
            ("sub/LICENSE", ""),
            ("sub/buf.md", ""),
            ("a/b.proto", ""),
            ("a/b.proto.bak", ""),
            ("README.md", ""),
            ("notes.txt", ""),
        ]);
        let kept: Vec<String> = module_files(input).into_iter().map(|(p, _)| p).collect();
        assert_eq!(kept, ["z.proto", "LICENSE", "a/b.proto", "README.md"]);
    }

    #[test]
    fn parse_round_trips_and_lowercases() {
        let upper = format!("b5:{}", "AB".repeat(64));
        let d = digest(&upper);
        assert_eq!(d.kind, DigestKind::B5);
        assert_eq!(d.to_string(), format!("b5:{}", "ab".repeat(64)));
        let b4 = digest(&format!("shake256:{}", "00".repeat(64)));
        assert_eq!(b4.kind, DigestKind::B4);
    }

    /// Each text verified with buf 1.75.0 (`buf build` over a buf.lock holding the digest;
    /// buf prints `Failure: decode buf.lock: ` + this).
    #[test]
    fn parse_errors_match_buf() {
        let cases = [
            (
                "nocolon",
                "could not parse module digest \"nocolon\": must in the form \"digest_type:digest_hex_value\"",
            ),
            (
                "b5-abc",
                "could not parse module digest \"b5-abc\": must in the form \"digest_type:digest_hex_value\"",
            ),
            (
                "xx:00",
                "could not parse module digest \"xx:00\": could not parse module digest type \"xx\": unknown type: \"xx\"",
            ),
            (
                "B5:00",
                "could not parse module digest \"B5:00\": could not parse module digest type \"B5\": unknown type: \"B5\"",
            ),
            (
                "b4:00",
                "could not parse module digest \"b4:00\": could not parse module digest type \"b4\": unknown type: \"b4\"",
            ),
            (
                ":00",
                "could not parse module digest \":00\": could not parse module digest type: unknown type: \"\"",
            ),
            (
                "b5:zz",
                "could not parse module digest \"b5:zz\": could not parse hex: must in the form \"digest_type:digest_hex_value\"",
            ),
            (
                "b5:abc",
                "could not parse module digest \"b5:abc\": could not parse hex: must in the form \"digest_type:digest_hex_value\"",
            ),
            (
                "b5:aa:bb",
                "could not parse module digest \"b5:aa:bb\": could not parse hex: must in the form \"digest_type:digest_hex_value\"",
            ),
            (
                "b5:00ff",
                "invalid shake256 digest value: expected 64 bytes, got 2",
            ),
            (
                "b5:",
                "invalid shake256 digest value: expected 64 bytes, got 0",
            ),
            (
                "shake256:00",
                "invalid shake256 digest value: expected 64 bytes, got 1",
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(Digest::parse(input), Err(expected.to_string()), "{input}");
        }
    }
}
