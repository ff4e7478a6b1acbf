//! The token scan behind the layout tests: comments, literals and `#[cfg(test)]`
//! items out, then the module paths named after `crate::` and `super::`.

use super::Source;

pub(super) fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The text with comments, string and char literals replaced by a space.
pub(super) fn strip_literals(src: &str) -> String {
    let c: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    let at = |i: usize, s: &str| {
        s.chars()
            .enumerate()
            .all(|(k, ch)| c.get(i + k) == Some(&ch))
    };
    while i < c.len() {
        let prev_ident = i > 0 && is_ident(c[i - 1]);
        if at(i, "//") {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if at(i, "/*") {
            let mut depth = 0;
            while i < c.len() {
                if at(i, "/*") {
                    depth += 1;
                    i += 2;
                } else if at(i, "*/") {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if !prev_ident && (at(i, "r#") || at(i, "r\"") || at(i, "br")) {
            let mut j = i + if c[i] == 'b' { 2 } else { 1 };
            let hashes = c[j..].iter().take_while(|&&ch| ch == '#').count();
            j += hashes;
            if c.get(j) != Some(&'"') {
                out.push(c[i]);
                i += 1;
                continue;
            }
            j += 1;
            let close: String = std::iter::once('"')
                .chain("#".repeat(hashes).chars())
                .collect();
            while j < c.len() && !at(j, &close) {
                j += 1;
            }
            i = j + close.len();
            out.push(' ');
        } else if c[i] == '"' {
            i += 1;
            while i < c.len() && c[i] != '"' {
                i += if c[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push(' ');
        } else if c[i] == '\'' && (c.get(i + 1) == Some(&'\\') || c.get(i + 2) == Some(&'\'')) {
            i += 2;
            while i < c.len() && c[i] != '\'' {
                i += if c[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push(' ');
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

/// End (exclusive) of the item starting at `from`: its `;`, or its `{ … }` block.
fn item_end(code: &str, from: usize) -> usize {
    let b = code.as_bytes();
    let mut depth = 0usize;
    for (k, &ch) in b.iter().enumerate().skip(from) {
        match ch {
            b';' if depth == 0 => return k + 1,
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return k + 1;
                }
            }
            _ => {}
        }
    }
    b.len()
}

/// Removes `#[cfg(test)]` items; returns the names of test-only `mod NAME;` files.
pub(super) fn strip_tests(code: &mut String) -> Vec<String> {
    const ATTR: &str = "#[cfg(test)]";
    let mut test_mods = Vec::new();
    while let Some(start) = code.find(ATTR) {
        let end = item_end(code, start + ATTR.len());
        let item = &code[start + ATTR.len()..end];
        let words: Vec<&str> = item
            .split(|ch: char| !is_ident(ch))
            .filter(|w| !w.is_empty())
            .collect();
        if item.trim_end().ends_with(';')
            && let Some(k) = words.iter().position(|w| *w == "mod")
        {
            test_mods.push(words[k + 1].to_string());
        }
        code.replace_range(start..end, " ");
    }
    test_mods
}

/// Absolute paths (up to `depth` segments) named after each `crate::` / `super::`.
pub(super) fn references(s: &Source, depth: usize) -> Vec<Vec<String>> {
    let code: Vec<char> = s.code.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < code.len() {
        let starts = |p: &str| {
            p.chars()
                .enumerate()
                .all(|(k, ch)| code.get(i + k) == Some(&ch))
        };
        let fresh = i == 0 || !(is_ident(code[i - 1]) || code[i - 1] == ':');
        if fresh && (starts("crate::") || starts("super::")) {
            let mut base = if starts("crate::") {
                i += 7;
                Vec::new()
            } else {
                let mut m = s.module.clone();
                while code[i..].starts_with(&['s', 'u', 'p', 'e', 'r', ':', ':']) {
                    m.pop();
                    i += 7;
                }
                m
            };
            i = path_tail(&code, i, &mut base, depth, &mut out);
        } else {
            i += 1;
        }
    }
    out
}

/// Reads `a::b`, `a::{b, c::d}` from `i`, pushing each path (cut at `depth`) to `out`.
fn path_tail(
    code: &[char],
    mut i: usize,
    path: &mut Vec<String>,
    depth: usize,
    out: &mut Vec<Vec<String>>,
) -> usize {
    loop {
        while code.get(i).is_some_and(|c| c.is_whitespace()) {
            i += 1;
        }
        if code.get(i) == Some(&'{') {
            i += 1;
            loop {
                let mut branch = path.clone();
                i = path_tail(code, i, &mut branch, depth, out);
                while code.get(i).is_some_and(|c| c.is_whitespace() || *c == ',') {
                    i += 1;
                }
                match code.get(i) {
                    Some('}') => return i + 1,
                    None => return i,
                    _ => {}
                }
            }
        }
        let start = i;
        while code.get(i).is_some_and(|c| is_ident(*c)) {
            i += 1;
        }
        let word: String = code[start..i].iter().collect();
        if !word.is_empty() && word != "self" && word != "*" {
            path.push(word);
        }
        let more = code.get(i) == Some(&':') && code.get(i + 1) == Some(&':') && i > start;
        if !more {
            // `as NAME` and the rest of the item do not change the path.
            while code
                .get(i)
                .is_some_and(|c| *c != ',' && *c != '}' && *c != ';' && *c != '\n')
            {
                i += 1;
            }
            out.push(path.iter().take(depth).cloned().collect());
            return i;
        }
        i += 2;
    }
}
