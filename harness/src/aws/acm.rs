//! ACM: the not-after of the listener's certificate, compared by the TLS check with
//! the certificate actually served.

use crate::error::Result;

/// NotAfter (RFC 3339, UTC) of the certificate `arn`; `None` when ACM does not say
/// (e.g. a pending certificate).
pub async fn certificate_not_after(
    sdk: &aws_config::SdkConfig,
    arn: &str,
) -> Result<Option<String>> {
    let client = aws_sdk_acm::Client::new(sdk);
    let out = client
        .describe_certificate()
        .certificate_arn(arn)
        .send()
        .await
        .map_err(|e| super::sdk_error(&format!("acm DescribeCertificate {arn}"), e))?;
    Ok(out
        .certificate()
        .and_then(|c| c.not_after())
        .map(|t| crate::checks::tls::cert::rfc3339(t.secs())))
}
