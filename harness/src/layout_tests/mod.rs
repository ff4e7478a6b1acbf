//! The module graph is a DAG: no top-level module of the library depends, directly or
//! through others, on itself, and neither does a concern folder of [`crate::twin`]
//! (`spec`, `host`, `edge`, …). A dependency is any path through `crate::` or
//! `super::` (in `use` or in code) that leaves the module; comments, string literals
//! and `#[cfg(test)]` code are not dependencies (a unit test may borrow a fixture from
//! anywhere). A path through a root's re-export (`crate::Result`,
//! `crate::twin::Twin`) counts as a dependency on the module that defines it.
//!
//! A hand-written scan rather than a parser crate: the question is only which module
//! names follow `crate::` and `super::`, which tokens answer without building a syntax
//! tree (`syn` would add a build dependency for one test).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

mod scan;

use scan::{is_ident, references, strip_literals, strip_tests};

/// One source file: its module path and its text without comments, literals and
/// test-only code.
struct Source {
    file: String,
    module: Vec<String>,
    code: String,
}

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// `twin/edge/mod.rs` → `[twin, edge]`; `lib.rs` → `[]`.
fn module_of(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// The library's sources, test-only files left out.
fn sources() -> Vec<Source> {
    let root = src_dir();
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let mut all = Vec::new();
    let mut test_only: Vec<Vec<String>> = Vec::new();
    let mut test_files: Vec<PathBuf> = Vec::new();
    for f in files {
        let rel = f.strip_prefix(&root).unwrap().to_path_buf();
        if rel == Path::new("main.rs") {
            continue;
        }
        let module = module_of(&rel);
        let raw = std::fs::read_to_string(&f).unwrap();
        // `#[cfg(test)] #[path = "x_tests.rs"] mod tests;`: a test-only file by path.
        for (k, _) in raw.match_indices("#[cfg(test)]") {
            let rest = raw[k + "#[cfg(test)]".len()..].trim_start();
            if let Some(name) = rest
                .strip_prefix("#[path = \"")
                .and_then(|r| r.split('"').next())
            {
                test_files.push(rel.parent().unwrap().join(name));
            }
        }
        let mut code = strip_literals(&raw);
        for m in strip_tests(&mut code) {
            test_only.push(module.iter().cloned().chain([m]).collect());
        }
        let file = rel.display().to_string();
        all.push(Source { file, module, code });
    }
    all.retain(|s| {
        !test_only.iter().any(|t| s.module.starts_with(t))
            && !test_files.iter().any(|t| Path::new(&s.file) == t)
    });
    all
}

/// Names a root re-exports (`pub use a::b::{C, D as E}`), mapped to the child module
/// they come from.
fn reexports(root: &Source) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for stmt in root.code.split(';') {
        let Some(rest) = stmt.trim().strip_prefix("pub use ") else {
            continue;
        };
        let mut words = rest.split(|c: char| !is_ident(c)).filter(|w| !w.is_empty());
        if let Some(first) = words.next().filter(|w| *w != "crate") {
            for w in words.filter(|w| *w != "as" && *w != "self") {
                map.insert(w.to_string(), first.to_string());
            }
        }
    }
    map
}

/// Top-level dependencies that would close a cycle and are tolerated until they go:
/// none today (the sampler, the AWS readers and config used to call into `checks`;
/// the crypto provider moved to `endpoint`, the date format to the result model, the
/// corpora to `corpus` and the posture floors to `config`). A new entry must name its
/// file; [`pending_dependencies_still_exist`] fails once one is gone.
const PENDING: &[(&str, &str, &str)] = &[];

type Graph = BTreeMap<String, BTreeSet<String>>;

/// The graph between the children of `root` (a module path), from the files below it.
fn graph(all: &[Source], root: &[String]) -> (Graph, BTreeMap<(String, String), String>) {
    let children: BTreeSet<String> = all
        .iter()
        .filter(|s| s.module.len() > root.len() && s.module.starts_with(root))
        .map(|s| s.module[root.len()].clone())
        .collect();
    let root_src = all.iter().find(|s| s.module == root).unwrap();
    let names = reexports(root_src);
    let mut g = Graph::new();
    let mut why = BTreeMap::new();
    for s in all
        .iter()
        .filter(|s| s.module.len() > root.len() && s.module.starts_with(root))
    {
        let from = s.module[root.len()].clone();
        g.entry(from.clone()).or_default();
        for r in references(s, root.len() + 1) {
            if r.len() <= root.len() || !r.starts_with(root) {
                continue;
            }
            let name = &r[root.len()];
            let to = if children.contains(name) {
                name.clone()
            } else if let Some(m) = names.get(name) {
                m.clone()
            } else {
                format!("{} (the root itself)", root.join("::"))
            };
            if to != from {
                why.entry((from.clone(), to.clone()))
                    .or_insert_with(|| format!("{}: {}", s.file, r.join("::")));
                g.entry(from.clone()).or_default().insert(to);
            }
        }
    }
    (g, why)
}

/// A cycle of `g`, if any, as the list of its nodes.
fn find_cycle(g: &Graph) -> Option<Vec<String>> {
    fn visit(n: &str, g: &Graph, stack: &mut Vec<String>, done: &mut BTreeSet<String>) -> bool {
        if let Some(k) = stack.iter().position(|s| s == n) {
            stack.drain(..k);
            return true;
        }
        if done.contains(n) {
            return false;
        }
        stack.push(n.to_string());
        for m in g.get(n).into_iter().flatten() {
            if visit(m, g, stack, done) {
                return true;
            }
        }
        stack.pop();
        done.insert(n.to_string());
        false
    }
    let mut done = BTreeSet::new();
    g.keys().find_map(|n| {
        let mut stack = Vec::new();
        visit(n, g, &mut stack, &mut done).then_some(stack)
    })
}

fn assert_dag(root: &[String]) {
    let all = sources();
    let (mut g, why) = graph(&all, root);
    if root.is_empty() {
        for (from, to, _) in PENDING {
            g.entry(from.to_string()).or_default().remove(*to);
        }
    }
    if let Some(cycle) = find_cycle(&g) {
        let steps: Vec<String> = cycle
            .iter()
            .zip(cycle.iter().cycle().skip(1))
            .map(|(a, b)| format!("  {a} -> {b} ({})", why[&(a.clone(), b.clone())]))
            .collect();
        panic!(
            "a cycle between the modules of `crate::{}`:\n{}",
            root.join("::"),
            steps.join("\n")
        );
    }
}

#[test]
fn top_level_modules_form_a_dag() {
    assert_dag(&[]);
}

#[test]
fn twin_concerns_form_a_dag() {
    assert_dag(&["twin".to_string()]);
}

#[test]
fn pending_dependencies_still_exist() {
    let (g, _) = graph(&sources(), &[]);
    for (from, to, what) in PENDING {
        assert!(
            g.get(*from).is_some_and(|t| t.contains(*to)),
            "{from} -> {to} ({what}) is gone: remove it from PENDING"
        );
    }
}

#[test]
fn the_scan_reads_groups_and_relative_paths() {
    let s = Source {
        file: "a/b.rs".into(),
        module: vec!["a".into(), "b".into()],
        code: strip_literals(
            "use crate::{x::{self, Y}, z}; // crate::comment\nlet s = \"crate::str\";\n\
             fn f() { super::super::w::f(); super::c::g(); }",
        ),
    };
    let refs = references(&s, 2);
    let want: Vec<Vec<String>> = [&["x"][..], &["x", "Y"], &["z"], &["w", "f"], &["a", "c"]]
        .iter()
        .map(|p| p.iter().map(|s| s.to_string()).collect())
        .collect();
    assert_eq!(refs, want);
    let mut code = strip_literals(
        "fn a() {}\n#[cfg(test)]\nmod tests;\n#[cfg(test)]\nmod t { use crate::q; }\n",
    );
    assert_eq!(strip_tests(&mut code), vec!["tests".to_string()]);
    assert!(!code.contains("crate"));
}
