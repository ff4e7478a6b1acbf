//! Readers of the configured truth from AWS (ELBv2, ECS, WAFv2, ACM) through
//! aws-sdk-rust. `AWS_ENDPOINT_URL` is honoured (that is how tests reach moto).
//!
//! Error policy: a resource that does not exist or an ARN AWS rejects is the user's
//! input → [`Error::AwsInput`] (exit 2, like a bad flag). Anything else still failing
//! after the SDK's retries with backoff (throttling, transport, 5xx) →
//! [`Error::AwsCall`] (exit 4), never a PASS. Both keep the SDK error as their source.
//! An error AWS answered is an [`AwsAnswer`] and prints as `what: Code: message`; one
//! without an answer (dispatch failure, timeout, unreadable response) prints the SDK
//! error's cause chain on one line, e.g. `ECS services in cluster web: dispatch failure:
//! io error: … Connection refused (os error 111)`, never the SDK's Debug form.

mod ecs;
mod elb;
mod rules;
mod truth;

pub mod acm;
pub mod ec2_query;
pub mod redirect;
pub mod waf;

use std::path::PathBuf;
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::timeout::TimeoutConfig;
use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};
use aws_sdk_ecs::error::{ProvideErrorMetadata, SdkError};

use crate::error::{AwsAnswer, Error, Result};

pub use ecs::{
    DeploymentInfo, ServiceTruth, deployment_info, describe_services, image_tag, task_image_tag,
};
pub use elb::{
    ListenerTruth, RegisteredTarget, WeightedTargetGroup, find_listener, read_listener,
    registered_targets,
};
pub use rules::{Condition, Forward, RequestMatch, Rule, select as select_rule, wildcard};
pub use truth::{Truth, TruthRequest, listener_warnings, map_weights, read_truth};

/// Region used against an endpoint override (moto) when none is configured.
const DEFAULT_LOCAL_REGION: &str = "us-east-1";
/// Connect timeout of every AWS call.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Total time of one AWS operation including the SDK's retries.
const OPERATION_TIMEOUT: Duration = Duration::from_secs(60);

/// Error codes that mean "your input names something that does not exist or is
/// malformed" rather than "AWS failed".
const CONFIG_ERROR_CODES: &[&str] = &[
    "ListenerNotFound",
    "LoadBalancerNotFound",
    "TargetGroupNotFound",
    "RuleNotFound",
    "ValidationError",
    "ClusterNotFoundException",
    "ServiceNotFoundException",
    "InvalidParameterException",
    "ClientException",
];

/// How to reach AWS. Empty fields fall back to aws-config's default chain.
#[derive(Debug, Clone, Default)]
pub struct AwsOptions {
    /// Endpoint override (moto, LocalStack).
    pub endpoint_url: Option<String>,
    /// Region.
    pub region: Option<String>,
    /// Profile name.
    pub profile: Option<String>,
    /// Shared credentials file.
    pub credentials_file: Option<PathBuf>,
}

/// Loads the SDK configuration.
pub async fn load(opts: &AwsOptions) -> Result<aws_config::SdkConfig> {
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).timeout_config(
        TimeoutConfig::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .operation_timeout(OPERATION_TIMEOUT)
            .build(),
    );
    if let Some(url) = &opts.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    if let Some(region) = &opts.region {
        loader = loader.region(aws_config::Region::new(region.clone()));
    } else if opts.endpoint_url.is_some() {
        // An endpoint override without a region: try the chain, fall back to a fixed
        // region (moto accepts any).
        let chain = aws_config::default_provider::region::DefaultRegionChain::builder()
            .build()
            .region()
            .await;
        loader =
            loader.region(chain.unwrap_or_else(|| aws_config::Region::new(DEFAULT_LOCAL_REGION)));
    }
    if let Some(file) = &opts.credentials_file {
        if !file.is_file() {
            return Err(Error::Config(format!(
                "AWS credentials file {} does not exist",
                file.display()
            )));
        }
        let files = EnvConfigFiles::builder()
            .include_default_config_file(true)
            .with_file(EnvConfigFileKind::Credentials, file)
            .build();
        loader = loader.profile_files(files);
    }
    if let Some(profile) = &opts.profile {
        loader = loader.profile_name(profile);
    }
    let sdk = loader.load().await;
    if sdk.region().is_none() {
        return Err(Error::Config(
            "no AWS region: set --aws-region or AWS_REGION".into(),
        ));
    }
    Ok(sdk)
}

/// Maps an SDK error to the harness error policy (see the module doc). The message is
/// one line and never contains credentials (the SDK does not print them).
pub(crate) fn sdk_error<E, R>(what: &str, err: SdkError<E, R>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let Some(code) = err.code().map(str::to_owned) else {
        return Error::AwsCall {
            operation: what.to_string(),
            source: Box::new(err),
        };
    };
    let message = err
        .message()
        .map(|m| m.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| crate::error::one_line(&err));
    let input = CONFIG_ERROR_CODES.contains(&code.as_str());
    let operation = what.to_string();
    let source = Box::new(AwsAnswer {
        code,
        message,
        source: Some(Box::new(err)),
    });
    if input {
        Error::AwsInput { operation, source }
    } else {
        Error::AwsCall { operation, source }
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_ecs::error::ErrorMetadata;
    use aws_sdk_ecs::operation::describe_services::DescribeServicesError;
    use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
    use aws_smithy_runtime_api::client::result::ConnectorError;

    use super::*;

    type EcsError = SdkError<DescribeServicesError, HttpResponse>;

    fn refused() -> EcsError {
        let io = std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            "Connection refused (os error 111)",
        );
        SdkError::dispatch_failure(ConnectorError::io(Box::new(io)))
    }

    #[test]
    fn dispatch_failure_prints_its_cause_chain_on_one_line() {
        let err = sdk_error("ECS services in cluster web", refused());
        assert_eq!(err.exit_code(), crate::exit::EXIT_RUNTIME);
        let text = err.to_string();
        assert_eq!(
            text,
            "AWS: ECS services in cluster web: dispatch failure: io error: \
             Connection refused (os error 111)"
        );
        for debug in ["{", "DispatchFailure(", "ConnectorError", "\n"] {
            assert!(!text.contains(debug), "{debug:?} in {text}");
        }
        // The chain printer adds nothing the message already shows, and the SDK error
        // stays reachable as the source.
        assert_eq!(crate::error::one_line(&err), text);
        assert!(std::error::Error::source(&err).is_some());
    }

    #[test]
    fn timeouts_read_as_timeouts() {
        let err: EcsError = SdkError::timeout_error("operation timeout (all attempts) 60s");
        let text = sdk_error("target health of tg", err).to_string();
        assert_eq!(
            text,
            "AWS: target health of tg: request has timed out: operation timeout (all attempts) 60s"
        );
    }

    #[test]
    fn service_errors_keep_code_and_message_and_map_input_errors_to_config() {
        let service = |code: &str| -> EcsError {
            let meta = ErrorMetadata::builder()
                .code(code)
                .message("Cluster\nnot found.")
                .build();
            SdkError::service_error(
                DescribeServicesError::generic(meta),
                HttpResponse::new(400.try_into().unwrap(), "".into()),
            )
        };
        let err = sdk_error(
            "ECS services in cluster web",
            service("ClusterNotFoundException"),
        );
        assert!(matches!(err, Error::AwsInput { .. }), "{err}");
        assert_eq!(err.exit_code(), crate::exit::EXIT_USAGE);
        let text = "configuration: ECS services in cluster web: ClusterNotFoundException: \
                    Cluster not found.";
        assert_eq!(err.to_string(), text);
        // One line for a person: the SDK's wrappers below the answer add nothing, and
        // the SDK error is still the answer's source.
        assert_eq!(crate::error::one_line(&err), text);
        let answer = std::error::Error::source(&err).unwrap();
        assert!(answer.is::<AwsAnswer>());
        assert!(answer.source().unwrap().is::<EcsError>());
        let err = sdk_error(
            "ECS services in cluster web",
            service("ThrottlingException"),
        );
        assert!(matches!(err, Error::AwsCall { .. }), "{err}");
        assert_eq!(err.exit_code(), crate::exit::EXIT_RUNTIME);
        assert_eq!(
            crate::error::one_line(&err),
            "AWS: ECS services in cluster web: ThrottlingException: Cluster not found."
        );
    }
}
