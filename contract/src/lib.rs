//! The attribution contract between the service deployed as stable and canary (`app`)
//! and the harness that verifies the split (`harness`): the response headers by which
//! every answer names its side and release, the environment variables by which a target
//! is told which side it is, and the [`Variant`] enum with its string forms.
//!
//! It lives in its own crate, depended on by both sides, so the app that writes the
//! contract and the harness that reads it cannot drift apart. It is deliberately tiny:
//! constants and one enum, no I/O.

use std::fmt;
use std::str::FromStr;

/// Response header naming the variant (`stable` or `canary`) that produced a response.
pub const HEADER_VARIANT: &str = "x-variant";
/// Response header naming the release (image tag, git sha) that produced a response.
pub const HEADER_RELEASE: &str = "x-release";

/// Environment variable telling a target which [`Variant`] it serves.
pub const ENV_VARIANT: &str = "VARIANT";
/// Environment variable telling a target which release it reports in [`HEADER_RELEASE`].
pub const ENV_RELEASE: &str = "RELEASE";
/// Environment variable with the application listener's port.
pub const ENV_APP_PORT: &str = "APP_PORT";
/// Environment variable with the health listener's port.
pub const ENV_HEALTH_PORT: &str = "HEALTH_PORT";

/// Path of the health endpoint on the health listener.
pub const HEALTH_PATH: &str = "/health";

/// Which side of the canary split a target serves.
///
/// Its string form (`stable`, `canary`) is what [`HEADER_VARIANT`] and [`ENV_VARIANT`]
/// carry and what serde writes.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Variant {
    /// The current production release.
    #[default]
    Stable,
    /// The release under verification.
    Canary,
}

impl Variant {
    /// Both variants, stable first.
    pub const ALL: [Variant; 2] = [Variant::Stable, Variant::Canary];

    /// The lowercase name used in env, headers and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Variant::Stable => "stable",
            Variant::Canary => "canary",
        }
    }

    /// Reads a received [`HEADER_VARIANT`] value leniently: surrounding whitespace and
    /// ASCII case are ignored, as a proxy may have touched them. `None` for anything
    /// else, i.e. the response is not attributed. (The app's own configuration is parsed
    /// strictly with [`FromStr`].)
    pub fn from_header_value(value: &str) -> Option<Variant> {
        Variant::ALL
            .into_iter()
            .find(|v| value.trim().eq_ignore_ascii_case(v.as_str()))
    }
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that is not exactly `stable` or `canary`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseVariantError {
    /// The string that was given.
    pub value: String,
}

impl ParseVariantError {
    /// What would have been accepted, for messages.
    pub const EXPECTED: &'static str = "`stable` or `canary`";
}

impl fmt::Display for ParseVariantError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid variant {:?}: expected {}",
            self.value,
            Self::EXPECTED
        )
    }
}

impl std::error::Error for ParseVariantError {}

impl FromStr for Variant {
    type Err = ParseVariantError;

    /// Exactly `stable` or `canary` (lowercase, no whitespace).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Variant::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| ParseVariantError {
                value: s.to_owned(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_forms_round_trip_through_display_fromstr_and_serde() {
        for v in Variant::ALL {
            assert_eq!(v.to_string().parse::<Variant>(), Ok(v));
            let json = serde_json::to_string(&v).unwrap();
            assert_eq!(json, format!("\"{}\"", v.as_str()));
            assert_eq!(serde_json::from_str::<Variant>(&json).unwrap(), v);
        }
        assert_eq!(Variant::default(), Variant::Stable);
    }

    #[test]
    fn configuration_is_strict_and_headers_are_lenient() {
        for bad in ["Canary", " canary", "blue", ""] {
            let err = bad.parse::<Variant>().unwrap_err();
            assert_eq!(err.value, bad);
            assert!(err.to_string().contains("`stable` or `canary`"), "{err}");
        }
        assert_eq!(
            Variant::from_header_value(" Canary "),
            Some(Variant::Canary)
        );
        assert_eq!(Variant::from_header_value("STABLE"), Some(Variant::Stable));
        assert_eq!(Variant::from_header_value("blue"), None);
        assert_eq!(Variant::from_header_value(""), None);
    }

    #[test]
    fn header_names_are_lowercase_as_http2_requires() {
        for h in [HEADER_VARIANT, HEADER_RELEASE] {
            assert_eq!(h, h.to_ascii_lowercase());
        }
    }
}
