//! `report.json`: the [`RunResult`] as pretty JSON, the one format the others can be
//! re-rendered from (`harness report`). Its shape is `schemas/report.schema.json`.

use crate::error::{Error, Result};
use crate::result::{RunResult, SCHEMA_VERSION};

/// Renders the run as pretty-printed JSON with a trailing newline.
pub fn render(run: &RunResult) -> String {
    // Serialising plain data with string keys cannot fail.
    let mut out = serde_json::to_string_pretty(run).expect("RunResult serialises");
    out.push('\n');
    out
}

/// Parses `report.json` text, refusing other schema versions with a one-line error.
pub fn parse(text: &str) -> Result<RunResult> {
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| Error::Config(format!("report.json is not valid JSON: {e}")))?;
    match value.get("schema_version").and_then(|v| v.as_u64()) {
        Some(v) if v == u64::from(SCHEMA_VERSION) => {}
        Some(v) => {
            return Err(Error::Config(format!(
                "report.json has schema_version {v}; this harness reads version {SCHEMA_VERSION}"
            )));
        }
        None => {
            return Err(Error::Config(
                "report.json has no numeric schema_version".into(),
            ));
        }
    }
    serde_json::from_value(value)
        .map_err(|e| Error::Config(format!("report.json does not match the schema: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;
    use crate::result::Verdict;

    #[test]
    fn round_trips_every_fixture() {
        for (_, run) in fixtures::every_state() {
            assert_eq!(parse(&render(&run)).unwrap(), run);
        }
    }

    #[test]
    fn reads_a_report_written_before_the_error_and_not_applicable_states() {
        // `report.json` of the INCONCLUSIVE fixture as the harness wrote it before
        // ERROR and NOT_APPLICABLE existed (schema_version 1, three verdicts).
        let old = include_str!("fixtures/report_v1.json");
        let run = parse(old).unwrap();
        assert_eq!(run.schema_version, 1);
        assert_eq!(run.verdict, Verdict::Inconclusive);
        assert_eq!(run.checks[1].verdict, Verdict::Inconclusive);
        // Rendering it again changes nothing: the model reads what it wrote.
        assert_eq!(render(&run), old);
    }

    #[test]
    fn every_verdict_has_its_json_name() {
        for (v, name) in
            Verdict::ALL
                .iter()
                .zip(["NOT_APPLICABLE", "PASS", "INCONCLUSIVE", "ERROR", "FAIL"])
        {
            assert_eq!(serde_json::to_string(v).unwrap(), format!("\"{name}\""));
        }
    }

    #[test]
    fn refuses_other_versions_and_garbage() {
        let text = render(&fixtures::pass()).replacen(
            &format!("\"schema_version\": {SCHEMA_VERSION}"),
            "\"schema_version\": 99",
            1,
        );
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.contains("schema_version 99"), "{err}");
        assert!(matches!(parse("{"), Err(Error::Config(_))));
        assert!(matches!(parse("{}"), Err(Error::Config(_))));
        assert!(matches!(
            parse("{\"schema_version\": 1}"),
            Err(Error::Config(_))
        ));
    }
}
