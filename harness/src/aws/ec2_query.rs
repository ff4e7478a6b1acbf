//! A minimal client of the EC2 Query API (`CreateVpc`, `CreateSubnet`), signed with
//! SigV4 by `aws-sigv4` and sent with reqwest.
//!
//! Why not `aws-sdk-ec2`: the harness only needs two EC2 calls, to seed the twin's
//! control plane with the VPC and subnets that app-infra's Terraform declares, and the
//! generated EC2 SDK is by far the heaviest crate of the build (~5 GB of compiler memory,
//! minutes of CPU). The request is a standard signed Query call (form body, Version
//! 2016-11-15), so it works against moto and AWS alike.

use std::time::SystemTime;

use aws_credential_types::provider::ProvideCredentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;

use crate::error::{Error, Result};

/// API version of the EC2 Query protocol.
const EC2_API_VERSION: &str = "2016-11-15";

/// A signed EC2 Query client.
#[derive(Debug)]
pub struct Ec2Query {
    http: reqwest::Client,
    endpoint: String,
    region: String,
    identity: Identity,
}

impl Ec2Query {
    /// Builds a client from the SDK configuration (endpoint override, region, credentials).
    pub async fn new(sdk: &aws_config::SdkConfig) -> Result<Self> {
        let region = sdk
            .region()
            .map(|r| r.to_string())
            .ok_or_else(|| Error::Config("no AWS region configured (set AWS_REGION)".into()))?;
        let endpoint = sdk
            .endpoint_url()
            .map(|u| u.trim_end_matches('/').to_string())
            .unwrap_or_else(|| format!("https://ec2.{region}.amazonaws.com"));
        let provider = sdk
            .credentials_provider()
            .ok_or_else(|| Error::Config("no AWS credentials provider configured".into()))?;
        let credentials = provider
            .provide_credentials()
            .await
            .map_err(|e| Error::Aws(format!("loading credentials: {e}")))?;
        let http = reqwest::Client::builder()
            .build()
            .map_err(|e| Error::Runtime(format!("building the EC2 HTTP client: {e}")))?;
        Ok(Ec2Query {
            http,
            endpoint,
            region,
            identity: credentials.into(),
        })
    }

    /// Calls `action` with `params` and returns the XML response body.
    pub async fn call(&self, action: &str, params: &[(String, String)]) -> Result<String> {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.append_pair("Action", action)
            .append_pair("Version", EC2_API_VERSION);
        for (k, v) in params {
            form.append_pair(k, v);
        }
        let body = form.finish();
        let url = format!("{}/", self.endpoint);
        let content_type = "application/x-www-form-urlencoded; charset=utf-8";
        let signing_params = v4::SigningParams::builder()
            .identity(&self.identity)
            .region(&self.region)
            .name("ec2")
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| Error::Runtime(format!("EC2 {action}: signing parameters: {e}")))?
            .into();
        let signable = SignableRequest::new(
            "POST",
            url.as_str(),
            [("content-type", content_type)].into_iter(),
            SignableBody::Bytes(body.as_bytes()),
        )
        .map_err(|e| Error::Runtime(format!("EC2 {action}: {e}")))?;
        let (instructions, _) = sign(signable, &signing_params)
            .map_err(|e| Error::Runtime(format!("EC2 {action}: signing: {e}")))?
            .into_parts();
        let mut request = self
            .http
            .post(&url)
            .header("content-type", content_type)
            .body(body);
        for (name, value) in instructions.headers() {
            request = request.header(name, value);
        }
        let response = request
            .send()
            .await
            .map_err(|e| Error::Aws(format!("EC2 {action} at {}: {e}", self.endpoint)))?;
        let status = response.status();
        let text = response
            .text()
            .await
            .map_err(|e| Error::Aws(format!("EC2 {action}: reading the response: {e}")))?;
        if !status.is_success() {
            let message =
                xml_text(&text, "Message").unwrap_or_else(|| text.chars().take(200).collect());
            return Err(Error::Aws(format!(
                "EC2 {action}: HTTP {status}: {message}"
            )));
        }
        Ok(text)
    }

    /// `CreateVpc` with a `Name` tag; returns the VPC id.
    pub async fn create_vpc(&self, cidr: &str, name: &str) -> Result<String> {
        let mut params = vec![("CidrBlock".to_string(), cidr.to_string())];
        params.extend(name_tag("vpc", name));
        let xml = self.call("CreateVpc", &params).await?;
        xml_text(&xml, "vpcId")
            .ok_or_else(|| Error::Aws("EC2 CreateVpc: no vpcId in the answer".into()))
    }

    /// `CreateSubnet` in `az` with a `Name` tag; returns the subnet id.
    pub async fn create_subnet(
        &self,
        vpc_id: &str,
        cidr: &str,
        az: &str,
        name: &str,
    ) -> Result<String> {
        let mut params = vec![
            ("VpcId".to_string(), vpc_id.to_string()),
            ("CidrBlock".to_string(), cidr.to_string()),
            ("AvailabilityZone".to_string(), az.to_string()),
        ];
        params.extend(name_tag("subnet", name));
        let xml = self.call("CreateSubnet", &params).await?;
        xml_text(&xml, "subnetId")
            .ok_or_else(|| Error::Aws("EC2 CreateSubnet: no subnetId in the answer".into()))
    }
}

impl Ec2Query {
    /// `CreateSecurityGroup` in `vpc_id`; returns the group id.
    pub async fn create_security_group(
        &self,
        name: &str,
        description: &str,
        vpc_id: &str,
    ) -> Result<String> {
        let params = vec![
            ("GroupName".to_string(), name.to_string()),
            ("GroupDescription".to_string(), description.to_string()),
            ("VpcId".to_string(), vpc_id.to_string()),
        ];
        let xml = self.call("CreateSecurityGroup", &params).await?;
        xml_text(&xml, "groupId")
            .ok_or_else(|| Error::Aws("EC2 CreateSecurityGroup: no groupId in the answer".into()))
    }
}

/// Query parameters of a `Name` tag on the created resource.
fn name_tag(resource_type: &str, name: &str) -> Vec<(String, String)> {
    vec![
        (
            "TagSpecification.1.ResourceType".into(),
            resource_type.into(),
        ),
        ("TagSpecification.1.Tag.1.Key".into(), "Name".into()),
        ("TagSpecification.1.Tag.1.Value".into(), name.into()),
    ]
}

/// Text of the first `<tag>…</tag>` element (EC2 answers are flat enough for this).
fn xml_text(xml: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{tag}>"))? + start;
    Some(xml[start..end].trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_first_element_text() {
        let xml = "<CreateVpcResponse><vpc><vpcId>vpc-123</vpcId><state>pending</state></vpc></CreateVpcResponse>";
        assert_eq!(xml_text(xml, "vpcId").as_deref(), Some("vpc-123"));
        assert_eq!(xml_text(xml, "subnetId"), None);
        let err = "<Response><Errors><Error><Code>X</Code><Message>bad cidr</Message></Error></Errors></Response>";
        assert_eq!(xml_text(err, "Message").as_deref(), Some("bad cidr"));
    }

    #[test]
    fn name_tag_is_a_tag_specification() {
        let p = name_tag("vpc", "poem");
        assert!(p.contains(&("TagSpecification.1.ResourceType".into(), "vpc".into())));
        assert!(p.contains(&("TagSpecification.1.Tag.1.Value".into(), "poem".into())));
    }
}
