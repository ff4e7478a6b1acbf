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

    #[test]
    fn round_trips_every_fixture() {
        for run in [fixtures::pass(), fixtures::fail(), fixtures::inconclusive()] {
            assert_eq!(parse(&render(&run)).unwrap(), run);
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
