//! Which listener rule a sampled request meets. An ALB listener evaluates its rules in
//! priority order (lowest number first) and the first rule whose conditions all hold
//! decides; the default action applies when none does. The weights to judge are those
//! of that rule's forward action, so the harness picks the rule from the same path,
//! host, query and headers the sampler sends (`--url`, `--path`, `--header`). Pure.
//!
//! Condition semantics, as documented in "Listener rules for your Application Load
//! Balancer" (Elastic Load Balancing User Guide, "Rule condition types"):
//! * within one condition the values are alternatives (OR); the conditions of a rule
//!   must all hold (AND);
//! * `path-pattern`: case-sensitive, matched against the path without the query;
//! * `host-header`, `http-header` values and `query-string` key/values:
//!   case-insensitive; header names are case-insensitive;
//! * every pattern may use `*` (zero or more characters) and `?` (exactly one);
//! * `http-request-method`: exact, case-sensitive (the sampler sends `GET`);
//! * `source-ip` depends on the address the load balancer sees, which the harness
//!   cannot know: such a rule is assumed not to match, with a warning.

use super::elb::WeightedTargetGroup;

/// Method of every sampled request.
pub const SAMPLER_METHOD: &str = "GET";

/// The parts of a request that listener rules look at.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestMatch {
    /// Host name (without port).
    pub host: String,
    /// Path without the query, e.g. `/api/x`.
    pub path: String,
    /// Query parameters (raw, as sent).
    pub query: Vec<(String, String)>,
    /// Headers sent besides Host (name lower-case).
    pub headers: Vec<(String, String)>,
}

impl RequestMatch {
    /// The request the sampler sends for `url` with `--path`/`--header`.
    pub fn for_sample(url: &url::Url, request: &crate::sample::RequestSpec) -> Self {
        let full = request.path_and_query(url);
        let (path, query) = full.split_once('?').unwrap_or((full.as_str(), ""));
        RequestMatch {
            host: url.host_str().unwrap_or_default().to_ascii_lowercase(),
            path: path.to_string(),
            query: query
                .split('&')
                .filter(|kv| !kv.is_empty())
                .map(|kv| {
                    let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                    (k.to_string(), v.to_string())
                })
                .collect(),
            headers: request.headers.clone(),
        }
    }
}

/// One condition of a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// `path-pattern` values.
    PathPattern(Vec<String>),
    /// `host-header` values.
    HostHeader(Vec<String>),
    /// `http-header` name and values.
    HttpHeader(String, Vec<String>),
    /// `http-request-method` values.
    Method(Vec<String>),
    /// `query-string` (optional key, value) pairs.
    QueryString(Vec<(Option<String>, String)>),
    /// A condition the harness cannot evaluate (`source-ip`, or an unknown field).
    Unknowable(String),
}

/// The forward action of a rule: target groups and target-group stickiness.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Forward {
    /// Target groups and weights.
    pub target_groups: Vec<WeightedTargetGroup>,
    /// `TargetGroupStickinessConfig.Enabled` of the forward action.
    pub sticky: bool,
    /// Its duration in seconds, when sticky.
    pub sticky_seconds: Option<i32>,
}

/// A non-default rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// Priority (lower first).
    pub priority: u32,
    /// Conditions, all of which must hold.
    pub conditions: Vec<Condition>,
    /// Its forward action; `None` when it redirects or answers itself.
    pub forward: Option<Forward>,
}

/// Whether `text` matches the ALB wildcard `pattern` (`*` any run, `?` one char).
pub fn wildcard(pattern: &str, text: &str, case_insensitive: bool) -> bool {
    let fold = |s: &str| -> Vec<char> {
        if case_insensitive {
            s.to_lowercase().chars().collect()
        } else {
            s.chars().collect()
        }
    };
    let (p, t) = (fold(pattern), fold(text));
    // Greedy matching with backtracking to the last `*` (linear in practice).
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// `Some(true/false)` when the condition can be decided for `req`, `None` otherwise.
fn holds(c: &Condition, req: &RequestMatch) -> Option<bool> {
    let any = |vals: &[String], text: &str, ci: bool| vals.iter().any(|v| wildcard(v, text, ci));
    Some(match c {
        Condition::PathPattern(v) => any(v, &req.path, false),
        Condition::HostHeader(v) => any(v, &req.host, true),
        Condition::HttpHeader(name, v) => req
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .any(|(_, value)| any(v, value, true)),
        Condition::Method(v) => v.iter().any(|m| m == SAMPLER_METHOD),
        Condition::QueryString(pairs) => pairs.iter().any(|(key, value)| {
            req.query.iter().any(|(k, qv)| {
                key.as_ref().is_none_or(|key| wildcard(key, k, true)) && wildcard(value, qv, true)
            })
        }),
        Condition::Unknowable(_) => return None,
    })
}

/// The rule that decides `req` (`None`: the default action) and warnings about rules
/// that could not be evaluated. `rules` may be in any order.
pub fn select<'a>(rules: &'a [Rule], req: &RequestMatch) -> (Option<&'a Rule>, Vec<String>) {
    let mut ordered: Vec<&Rule> = rules.iter().collect();
    ordered.sort_by_key(|r| r.priority);
    let mut warnings = Vec::new();
    for rule in ordered {
        let verdicts: Vec<Option<bool>> = rule.conditions.iter().map(|c| holds(c, req)).collect();
        if verdicts.contains(&Some(false)) {
            continue;
        }
        if let Some(Condition::Unknowable(what)) = rule
            .conditions
            .iter()
            .find(|c| matches!(c, Condition::Unknowable(_)))
        {
            warnings.push(format!(
                "listener rule {} has a {what} condition the harness cannot evaluate; assumed not to match",
                rule.priority
            ));
            continue;
        }
        return (Some(rule), warnings);
    }
    (None, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(priority: u32, conditions: Vec<Condition>) -> Rule {
        Rule {
            priority,
            conditions,
            forward: Some(Forward::default()),
        }
    }

    fn req(path: &str, headers: &[(&str, &str)]) -> RequestMatch {
        RequestMatch {
            host: "app.example.com".into(),
            path: path.into(),
            query: vec![("v".into(), "Beta".into())],
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn wildcards_follow_alb_semantics() {
        for (p, t, ci, want) in [
            ("/api/*", "/api/x", false, true),
            ("/api/*", "/api/", false, true),
            ("/api/*", "/api", false, false),
            ("/api/*", "/API/x", false, false),
            ("/a?c", "/abc", false, true),
            ("/a?c", "/ac", false, false),
            ("*", "", false, true),
            ("*.example.com", "APP.example.com", true, true),
            ("/*/x/*", "/a/b/x/c", false, true),
            ("/img/*.png", "/img/a.jpg", false, false),
            ("", "", false, true),
            ("a", "", false, false),
        ] {
            assert_eq!(wildcard(p, t, ci), want, "{p} vs {t}");
        }
    }

    #[test]
    fn first_matching_rule_by_priority_wins() {
        let api = rule(20, vec![Condition::PathPattern(vec!["/api/*".into()])]);
        let beta = rule(
            10,
            vec![
                Condition::PathPattern(vec!["/api/*".into()]),
                Condition::HttpHeader("X-Group".into(), vec!["be*".into()]),
            ],
        );
        let rules = [api.clone(), beta.clone()];
        assert_eq!(select(&rules, &req("/api/x", &[])).0, Some(&api));
        assert_eq!(
            select(&rules, &req("/api/x", &[("x-group", "BETA")])).0,
            Some(&beta)
        );
        assert_eq!(select(&rules, &req("/", &[("x-group", "beta")])).0, None);
    }

    #[test]
    fn host_method_and_query_conditions() {
        let host = rule(1, vec![Condition::HostHeader(vec!["*.example.com".into()])]);
        assert!(
            select(std::slice::from_ref(&host), &req("/", &[]))
                .0
                .is_some()
        );
        let post = rule(1, vec![Condition::Method(vec!["POST".into()])]);
        assert!(select(&[post], &req("/", &[])).0.is_none());
        let q = rule(
            1,
            vec![Condition::QueryString(vec![(
                Some("v".into()),
                "beta".into(),
            )])],
        );
        assert!(select(&[q], &req("/", &[])).0.is_some());
    }

    #[test]
    fn unknowable_conditions_are_skipped_with_a_warning() {
        let ip = rule(1, vec![Condition::Unknowable("source-ip".into())]);
        let rules = [ip];
        let (chosen, warnings) = select(&rules, &req("/", &[]));
        assert!(chosen.is_none());
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("source-ip"));
        // A rule already excluded by another condition needs no warning.
        let ip_api = rule(
            1,
            vec![
                Condition::Unknowable("source-ip".into()),
                Condition::PathPattern(vec!["/api/*".into()]),
            ],
        );
        assert!(select(&[ip_api], &req("/", &[])).1.is_empty());
    }

    #[test]
    fn builds_the_request_from_url_and_flags() {
        let url = url::Url::parse("https://App.Example.com/base?x=1&y").unwrap();
        let spec = crate::sample::RequestSpec::parse(Some("/api/x"), &["X-A:b".into()]).unwrap();
        let r = RequestMatch::for_sample(&url, &spec);
        assert_eq!(r.host, "app.example.com");
        assert_eq!(r.path, "/base/api/x");
        assert_eq!(
            r.query,
            vec![("x".into(), "1".into()), ("y".into(), String::new())]
        );
        assert_eq!(r.headers, vec![("x-a".into(), "b".into())]);
    }
}
