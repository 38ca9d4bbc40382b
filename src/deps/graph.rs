//! `dep graph`: the workspace's modules and the remote modules they reach,
//! with direct dependencies found from imports, as buf draws it.

use std::collections::{BTreeSet, HashMap};

use super::digest::{self, Digest};
use super::resolve::{self, DepModule, ResolveError};
use crate::workspace::{Workspace, WorkspaceKind};

/// One module of the graph.
#[derive(Debug, Clone)]
pub struct Node {
    /// The full name, or the directory of an unnamed local module.
    pub name: String,
    pub commit: Option<String>,
    pub digest: Digest,
    pub local: bool,
    /// Direct dependencies, as node indexes, in name order.
    pub deps: Vec<usize>,
}

#[derive(Debug, Clone, Default)]
pub struct Graph {
    pub nodes: Vec<Node>,
    /// The workspace's target modules, in workspace order.
    pub roots: Vec<usize>,
}

/// The files of each module, the import paths they name, and which module
/// provides each path.
struct ModuleSource {
    name: String,
    commit: Option<String>,
    local: bool,
    /// Module files (for the digest).
    files: Vec<(String, Vec<u8>)>,
    /// A remote module's digest as locked.
    locked: Option<Digest>,
}

/// Reads the doc and license files a local module's digest covers: its own,
/// else (v2) the workspace root's.
fn extra_files(ws: &Workspace, dir: &str) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let module_dir = ws.root.join(dir);
    let read = |name: &str| std::fs::read(module_dir.join(name)).ok();
    let root_read = |name: &str| std::fs::read(ws.root.join(name)).ok();
    let v2 = ws.kind == WorkspaceKind::V2;
    // buf lists the doc file before LICENSE (push sends them in this order).
    let docs = ["buf.md", "README.md", "README.markdown"];
    let own = docs
        .iter()
        .find_map(|d| read(d).map(|b| ((*d).to_string(), b)));
    let doc = own.or_else(|| {
        if v2 {
            docs.iter()
                .find_map(|d| root_read(d).map(|b| ((*d).to_string(), b)))
        } else {
            None
        }
    });
    out.extend(doc);
    if let Some(b) = read("LICENSE").or_else(|| if v2 { root_read("LICENSE") } else { None }) {
        out.push(("LICENSE".to_string(), b));
    }
    out
}

pub fn local_module_files(
    ws: &Workspace,
    m: &crate::workspace::Module,
) -> Result<Vec<(String, Vec<u8>)>, ResolveError> {
    let mut files: Vec<(String, Vec<u8>)> = Vec::with_capacity(m.files.len() + 2);
    for f in &m.files {
        let bytes = std::fs::read(&f.disk_path)
            .map_err(|e| ResolveError::Failure(format!("{}: {e}", f.external_path)))?;
        files.push((f.import_path.clone(), bytes));
    }
    files.extend(extra_files(ws, &m.dir));
    Ok(files)
}

impl Graph {
    /// Every node `from` reaches through direct dependencies.
    pub fn reachable_from(&self, from: usize) -> BTreeSet<usize> {
        let direct: Vec<Vec<usize>> = self.nodes.iter().map(|n| n.deps.clone()).collect();
        reachable(&direct, from)
    }
}

/// The graph of `ws` and the registry modules its build read (`remote`).
pub fn build(ws: &Workspace, remote: Vec<DepModule>) -> Result<Graph, ResolveError> {
    let mut sources: Vec<ModuleSource> = Vec::new();
    for m in &ws.modules {
        let files = local_module_files(ws, m)?;
        sources.push(ModuleSource {
            name: m.name.clone().unwrap_or_else(|| m.dir.clone()),
            commit: m.commit.clone(),
            // A registry module given as the input is not local.
            local: m.commit.is_none(),
            files,
            locked: None,
        });
    }
    // b4 keys (v1 buf.lock) are shown as b5, as buf does: each module's b5
    // is computed from its files and its dependency keys, which are turned
    // into b5 through the registry (or buf's commit records in the cache).
    let mut b5_of = Vec::with_capacity(remote.len());
    if remote
        .iter()
        .any(|d| d.key.digest.kind != digest::DigestKind::B5)
    {
        let cache = resolve::open_cache()?;
        let mut client = super::remote::Remote::new();
        for d in &remote {
            let mut deps = Vec::with_capacity(d.deps.len());
            for k in &d.deps {
                deps.push(resolve::b5_digest(&cache, &mut client, k)?);
            }
            b5_of.push(digest::b5(&d.files, &deps));
        }
    } else {
        b5_of.extend(remote.iter().map(|d| d.key.digest.clone()));
    }
    for (d, b5) in remote.into_iter().zip(b5_of) {
        sources.push(ModuleSource {
            name: d.key.name.to_string(),
            commit: Some(d.key.commit.clone()),
            local: false,
            files: d.files,
            locked: Some(b5),
        });
    }
    // Which module provides each import path: local modules first.
    let mut provider: HashMap<&str, usize> = HashMap::new();
    for (i, s) in sources.iter().enumerate() {
        for (path, _) in &s.files {
            if path.ends_with(".proto") {
                provider.entry(path.as_str()).or_insert(i);
            }
        }
    }
    let direct: Vec<Vec<usize>> = sources
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut set = BTreeSet::new();
            for (path, bytes) in &s.files {
                if !path.ends_with(".proto") {
                    continue;
                }
                let text = String::from_utf8_lossy(bytes);
                for import in crate::compiler::imports(&text) {
                    if let Some(&j) = provider.get(import.as_str())
                        && j != i
                    {
                        set.insert(j);
                    }
                }
            }
            let mut v: Vec<usize> = set.into_iter().collect();
            v.sort_by(|a, b| sources[*a].name.cmp(&sources[*b].name));
            v
        })
        .collect();
    // Digests: remote modules as locked; the others from their files and
    // the digests of every module they reach, each computed once.
    fn digest_of(
        i: usize,
        sources: &[ModuleSource],
        direct: &[Vec<usize>],
        memo: &mut Vec<Option<Digest>>,
        visiting: &mut Vec<bool>,
    ) -> Option<Digest> {
        if let Some(d) = &memo[i] {
            return Some(d.clone());
        }
        // A cycle between modules: buf would not build it; give up on it.
        if std::mem::replace(&mut visiting[i], true) {
            return None;
        }
        let deps: Vec<Digest> = reachable(direct, i)
            .into_iter()
            .filter_map(|j| digest_of(j, sources, direct, memo, visiting))
            .collect();
        let d = digest::b5(&sources[i].files, &deps);
        memo[i] = Some(d.clone());
        Some(d)
    }
    let mut digests: Vec<Option<Digest>> = sources.iter().map(|s| s.locked.clone()).collect();
    let mut visiting = vec![false; sources.len()];
    for i in 0..sources.len() {
        digest_of(i, &sources, &direct, &mut digests, &mut visiting);
    }
    let nodes = sources
        .into_iter()
        .zip(digests)
        .zip(direct)
        .filter_map(|((s, d), deps)| {
            Some(Node {
                name: s.name,
                commit: s.commit,
                digest: d?,
                local: s.local,
                deps,
            })
        })
        .collect();
    let roots = ws
        .modules
        .iter()
        .enumerate()
        .filter(|(_, m)| m.is_target)
        .map(|(i, _)| i)
        .collect();
    Ok(Graph { nodes, roots })
}

/// Everything `from` reaches, itself excluded.
fn reachable(direct: &[Vec<usize>], from: usize) -> BTreeSet<usize> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![from];
    while let Some(i) = stack.pop() {
        for &j in direct.get(i).into_iter().flatten() {
            if j != from && seen.insert(j) {
                stack.push(j);
            }
        }
    }
    seen
}

fn label(n: &Node) -> String {
    match &n.commit {
        Some(c) => format!("{}:{c}", n.name),
        None => n.name.clone(),
    }
}

/// buf's DOT output: the input's modules, then the others in name order, each followed depth-first by
/// the edges below it (every edge once); a module with no edges at all
/// stands alone.
pub fn render_dot(g: &Graph) -> String {
    fn visit(
        g: &Graph,
        i: usize,
        visited: &mut BTreeSet<usize>,
        seen: &mut BTreeSet<(usize, usize)>,
        out: &mut String,
    ) {
        if !visited.insert(i) {
            return;
        }
        let Some(n) = g.nodes.get(i) else { return };
        for &d in &n.deps {
            if let Some(m) = g.nodes.get(d)
                && seen.insert((i, d))
            {
                out.push_str(&format!("  \"{}\" -> \"{}\"\n", label(n), label(m)));
                visit(g, d, visited, seen, out);
            }
        }
    }
    let reached: BTreeSet<usize> = g
        .nodes
        .iter()
        .flat_map(|n| n.deps.iter().copied())
        .collect();
    // The input's modules first, then the rest by name.
    let mut rest: Vec<usize> = (0..g.nodes.len())
        .filter(|i| !g.roots.contains(i))
        .collect();
    rest.sort_by(|a, b| g.nodes[*a].name.cmp(&g.nodes[*b].name));
    let order: Vec<usize> = g.roots.iter().copied().chain(rest).collect();
    let mut out = String::from("digraph {\n\n");
    let (mut visited, mut seen) = (BTreeSet::new(), BTreeSet::new());
    for i in order {
        if g.nodes[i].deps.is_empty() && !reached.contains(&i) {
            out.push_str(&format!("  \"{}\"\n", label(&g.nodes[i])));
        }
        visit(g, i, &mut visited, &mut seen, &mut out);
    }
    out.push_str("\n}\n");
    out
}

/// buf's JSON output: one object per module of the graph, sorted by name,
/// dependencies nested, keys in buf's order (name, commit, digest, deps,
/// local).
pub fn render_json(g: &Graph) -> String {
    use crate::report::go_json_string as q;
    fn node(g: &Graph, i: usize, depth: usize, out: &mut String) {
        let Some(n) = g.nodes.get(i) else { return };
        out.push_str(&format!("{{\"name\":{}", q(&n.name)));
        if let Some(c) = &n.commit {
            out.push_str(&format!(",\"commit\":{}", q(c)));
        }
        out.push_str(&format!(",\"digest\":{}", q(&n.digest.to_string())));
        if !n.deps.is_empty() && depth < 64 {
            out.push_str(",\"deps\":[");
            for (k, &d) in n.deps.iter().enumerate() {
                if k > 0 {
                    out.push(',');
                }
                node(g, d, depth + 1, out);
            }
            out.push(']');
        }
        if n.local {
            out.push_str(",\"local\":true");
        }
        out.push('}');
    }
    let mut order: Vec<usize> = (0..g.nodes.len()).collect();
    order.sort_by(|a, b| g.nodes[*a].name.cmp(&g.nodes[*b].name));
    let mut out = String::from("[");
    for (k, &r) in order.iter().enumerate() {
        if k > 0 {
            out.push(',');
        }
        node(g, r, 0, &mut out);
    }
    out.push_str("]\n");
    out
}
