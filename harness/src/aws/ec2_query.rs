//! A minimal client of the EC2 Query API (`CreateVpc`, `CreateSubnet`), signed with
//! SigV4 by `aws-sigv4` and sent with reqwest.
//!
//! Why not `aws-sdk-ec2`: the harness only needs two EC2 calls, to seed the twin's
//! control plane with the VPC and subnets that app-infra's Terraform declares, and the
//! generated EC2 SDK is by far the heaviest crate of the build (~5 GB of compiler memory,
//! minutes of CPU). The request is a standard signed Query call (form body, Version
//! 2016-11-15), so it works against moto and AWS alike. Answers are read with
//! quick-xml, so entities (`&amp;`, `&#39;`) in an id or an error message are decoded.

use std::time::SystemTime;

use aws_credential_types::provider::ProvideCredentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;

use quick_xml::escape::EscapeError;
use quick_xml::events::Event;

use crate::error::{AwsAnswer, Error, Result};

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
            .map_err(|e| Error::AwsCall {
                operation: "loading credentials for EC2".into(),
                source: Box::new(e),
            })?;
        let http = reqwest::Client::builder()
            .build()
            .map_err(|e| Error::failed("building the EC2 HTTP client", e))?;
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
            .map_err(|e| Error::failed(format!("EC2 {action}: signing parameters"), e))?
            .into();
        let signable = SignableRequest::new(
            "POST",
            url.as_str(),
            [("content-type", content_type)].into_iter(),
            SignableBody::Bytes(body.as_bytes()),
        )
        .map_err(|e| Error::failed(format!("EC2 {action}: building the request to sign"), e))?;
        let (instructions, _) = sign(signable, &signing_params)
            .map_err(|e| Error::failed(format!("EC2 {action}: signing"), e))?
            .into_parts();
        let mut request = self
            .http
            .post(&url)
            .header("content-type", content_type)
            .body(body);
        for (name, value) in instructions.headers() {
            request = request.header(name, value);
        }
        let call_failed = |operation: String, e: reqwest::Error| Error::AwsCall {
            operation,
            source: Box::new(e),
        };
        let response = request
            .send()
            .await
            .map_err(|e| call_failed(format!("EC2 {action} at {}", self.endpoint), e))?;
        let status = response.status();
        let text = response
            .text()
            .await
            .map_err(|e| call_failed(format!("EC2 {action}: reading the response"), e))?;
        if !status.is_success() {
            return Err(Error::AwsCall {
                operation: format!("EC2 {action}"),
                source: Box::new(error_answer(status, &text)),
            });
        }
        Ok(text)
    }

    /// `CreateVpc` with a `Name` tag; returns the VPC id.
    pub async fn create_vpc(&self, cidr: &str, name: &str) -> Result<String> {
        let mut params = vec![("CidrBlock".to_string(), cidr.to_string())];
        params.extend(name_tag("vpc", name));
        let xml = self.call("CreateVpc", &params).await?;
        answer_text(&xml, "CreateVpc", "vpcId")
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
        answer_text(&xml, "CreateSubnet", "subnetId")
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
        answer_text(&xml, "CreateSecurityGroup", "groupId")
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

/// The `tag` element's text in a successful `action` answer; an answer without it (or
/// not XML) is an error naming what was missing.
fn answer_text(xml: &str, action: &str, tag: &str) -> Result<String> {
    match xml_text(xml, tag) {
        Ok(Some(text)) => Ok(text),
        Ok(None) => Err(Error::Aws(format!("EC2 {action}: no {tag} in the answer"))),
        Err(e) => Err(Error::AwsCall {
            operation: format!("EC2 {action}: reading the answer"),
            source: Box::new(e),
        }),
    }
}

/// What EC2 answered with a failure status: its `<Code>` and `<Message>` when the body
/// is an EC2 error document, else the start of the body.
fn error_answer(status: reqwest::StatusCode, body: &str) -> AwsAnswer {
    let field = |tag| xml_text(body, tag).ok().flatten();
    let code = match field("Code") {
        Some(code) => format!("HTTP {status}: {code}"),
        None => format!("HTTP {status}"),
    };
    let message = field("Message").unwrap_or_else(|| body.chars().take(200).collect());
    AwsAnswer {
        code,
        message: message.split_whitespace().collect::<Vec<_>>().join(" "),
        source: None,
    }
}

/// Decoded text of the first element named `tag` (at any depth), trimmed; `None` when
/// there is none. Text split by entity references, CDATA or child elements is joined.
fn xml_text(xml: &str, tag: &str) -> std::result::Result<Option<String>, quick_xml::Error> {
    let mut reader = quick_xml::Reader::from_str(xml);
    // Depth inside the wanted element (0: not inside it).
    let mut depth = 0usize;
    let mut text = String::new();
    loop {
        match reader.read_event()? {
            Event::Start(e) if depth == 0 && e.local_name().as_ref() == tag.as_bytes() => {
                depth = 1;
            }
            Event::Start(_) if depth == 0 => {}
            Event::Empty(e) if depth == 0 && e.local_name().as_ref() == tag.as_bytes() => {
                return Ok(Some(String::new()));
            }
            Event::Start(_) => depth += 1,
            Event::End(_) if depth == 1 => return Ok(Some(text.trim().to_owned())),
            Event::End(_) if depth > 1 => depth -= 1,
            Event::Text(t) if depth > 0 => text.push_str(&t.xml10_content()?),
            Event::CData(t) if depth > 0 => text.push_str(&t.xml10_content()?),
            Event::GeneralRef(r) if depth > 0 => match r.resolve_char_ref()? {
                Some(c) => text.push(c),
                None => {
                    let name = r.decode()?;
                    let value =
                        quick_xml::escape::resolve_predefined_entity(&name).ok_or_else(|| {
                            EscapeError::UnrecognizedEntity(0..name.len(), name.to_string())
                        })?;
                    text.push_str(value);
                }
            },
            Event::Eof => return Ok(None),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(xml: &str, tag: &str) -> Option<String> {
        xml_text(xml, tag).unwrap()
    }

    #[test]
    fn reads_first_element_text() {
        let xml = "<CreateVpcResponse><vpc><vpcId>vpc-123</vpcId><state>pending</state></vpc></CreateVpcResponse>";
        assert_eq!(text(xml, "vpcId").as_deref(), Some("vpc-123"));
        assert_eq!(text(xml, "subnetId"), None);
        let err = "<Response><Errors><Error><Code>X</Code><Message>bad cidr</Message></Error></Errors></Response>";
        assert_eq!(text(err, "Message").as_deref(), Some("bad cidr"));
    }

    #[test]
    fn decodes_entities_and_reads_nested_elements() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
            <CreateSecurityGroupResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
              <requestId>r-1</requestId>
              <return>true</return>
              <groupId> sg-&#x31;2&amp;3 </groupId>
              <tagSet><item><key>Name</key><value>a &lt;b&gt; &quot;c&quot; &#39;d&#39;</value></item></tagSet>
            </CreateSecurityGroupResponse>"#;
        assert_eq!(text(xml, "groupId").as_deref(), Some("sg-12&3"));
        // A nested element is found at any depth, and its entities are decoded.
        assert_eq!(text(xml, "value").as_deref(), Some(r#"a <b> "c" 'd'"#));
        // The first element of a name wins; a parent's text joins its children's text.
        assert_eq!(text(xml, "key").as_deref(), Some("Name"));
        assert_eq!(text(xml, "item").as_deref(), Some("Namea <b> \"c\" 'd'"));
        assert_eq!(text("<a><b/></a>", "b").as_deref(), Some(""));
        assert_eq!(text("<a><![CDATA[x<y]]></a>", "a").as_deref(), Some("x<y"));
    }

    #[test]
    fn malformed_answers_are_errors_not_silent_misses() {
        assert!(xml_text("<a><b>x</c></a>", "b").is_err());
        assert!(xml_text("<a>&nosuch;</a>", "a").is_err());
        let err = answer_text("<a><b>x</c></a>", "CreateVpc", "vpcId").unwrap_err();
        assert!(matches!(err, Error::AwsCall { .. }), "{err}");
        let err = answer_text("<a/>", "CreateVpc", "vpcId").unwrap_err();
        assert_eq!(
            err.to_string(),
            "AWS: EC2 CreateVpc: no vpcId in the answer"
        );
    }

    #[test]
    fn failure_answers_print_code_and_decoded_message_on_one_line() {
        let body = "<Response><Errors><Error><Code>InvalidParameterValue</Code>\
                    <Message>Value (10.0.0.0/99) for parameter cidrBlock is invalid &amp;\n \
                    rejected</Message></Error></Errors><RequestID>x</RequestID></Response>";
        let err = Error::AwsCall {
            operation: "EC2 CreateVpc".into(),
            source: Box::new(error_answer(reqwest::StatusCode::BAD_REQUEST, body)),
        };
        let line = crate::error::one_line(&err);
        assert_eq!(
            line,
            "AWS: EC2 CreateVpc: HTTP 400 Bad Request: InvalidParameterValue: \
             Value (10.0.0.0/99) for parameter cidrBlock is invalid & rejected"
        );
        let plain = error_answer(reqwest::StatusCode::BAD_GATEWAY, "upstream down");
        assert_eq!(plain.to_string(), "HTTP 502 Bad Gateway: upstream down");
    }

    #[test]
    fn name_tag_is_a_tag_specification() {
        let p = name_tag("vpc", "poem");
        assert!(p.contains(&("TagSpecification.1.ResourceType".into(), "vpc".into())));
        assert!(p.contains(&("TagSpecification.1.Tag.1.Value".into(), "poem".into())));
    }
}
