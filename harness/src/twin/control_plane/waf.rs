//! Seeds the WebACL app-infra declares (its managed rule groups and rate rules, with
//! Terraform's names, priorities and override actions) and associates it with the ALB.

use aws_sdk_wafv2::types::{
    AllowAction, BlockAction, CountAction, DefaultAction, ManagedRuleGroupStatement, NoneAction,
    OverrideAction, RateBasedStatement, RateBasedStatementAggregateKeyType, Rule, RuleAction,
    Scope, Statement, VisibilityConfig,
};

use crate::aws::sdk_error;
use crate::error::{Error, Result};

use crate::twin::spec::terraform::{ManagedGroup, RateRule};

fn priority(rule: &str, p: u64) -> Result<i32> {
    i32::try_from(p)
        .map_err(|_| Error::Config(format!("seed: WAF rule {rule}: priority {p} out of range")))
}

fn visibility(name: &str) -> Result<VisibilityConfig> {
    VisibilityConfig::builder()
        .sampled_requests_enabled(true)
        .cloud_watch_metrics_enabled(true)
        .metric_name(name)
        .build()
        .map_err(|e| Error::failed("seed: WAF visibility config", e))
}

/// Creates the WebACL `name` (Terraform's) with Terraform's managed groups and rate
/// rules; returns its ARN ([`associate`] attaches it to the ALB).
pub(crate) async fn web_acl(
    sdk: &aws_config::SdkConfig,
    name: &str,
    managed: &[ManagedGroup],
    rate_rules: &[RateRule],
) -> Result<String> {
    let waf = aws_sdk_wafv2::Client::new(sdk);
    let bad = |e: aws_sdk_wafv2::error::BuildError| Error::failed("seed: WAF rule", e);
    let mut rules = Vec::new();
    for group in managed {
        rules.push(
            Rule::builder()
                .name(&group.rule)
                .priority(priority(&group.rule, group.priority)?)
                .statement(
                    Statement::builder()
                        .managed_rule_group_statement(
                            ManagedRuleGroupStatement::builder()
                                .vendor_name(&group.vendor)
                                .name(&group.name)
                                .build()
                                .map_err(bad)?,
                        )
                        .build(),
                )
                .override_action(if group.override_action == "count" {
                    OverrideAction::builder()
                        .count(CountAction::builder().build())
                        .build()
                } else {
                    OverrideAction::builder()
                        .none(NoneAction::builder().build())
                        .build()
                })
                .visibility_config(visibility(&group.rule)?)
                .build()
                .map_err(bad)?,
        );
    }
    // Terraform's rate-based rules (names, priorities, limits).
    for r in rate_rules {
        let limit = i64::try_from(r.limit).map_err(|_| {
            Error::Config(format!(
                "seed: WAF rule {}: limit {} out of range",
                r.name, r.limit
            ))
        })?;
        rules.push(
            Rule::builder()
                .name(&r.name)
                .priority(priority(&r.name, r.priority)?)
                .statement(
                    Statement::builder()
                        .rate_based_statement(
                            RateBasedStatement::builder()
                                .limit(limit)
                                .aggregate_key_type(RateBasedStatementAggregateKeyType::Ip)
                                .build()
                                .map_err(bad)?,
                        )
                        .build(),
                )
                .action(
                    RuleAction::builder()
                        .block(BlockAction::builder().build())
                        .build(),
                )
                .visibility_config(visibility(&r.name)?)
                .build()
                .map_err(bad)?,
        );
    }
    let out = waf
        .create_web_acl()
        .name(name)
        .scope(Scope::Regional)
        .default_action(
            DefaultAction::builder()
                .allow(AllowAction::builder().build())
                .build(),
        )
        .visibility_config(visibility(name)?)
        .set_rules(Some(rules))
        .send()
        .await
        .map_err(|e| sdk_error("seed: create WebACL", e))?;
    let arn = out
        .summary()
        .and_then(|s| s.arn())
        .ok_or_else(|| Error::Aws("seed: create WebACL returned no ARN".into()))?
        .to_owned();
    Ok(arn)
}

/// Associates the WebACL `web_acl_arn` with `load_balancer_arn` (left out under the
/// `waf-no-acl` fault).
pub(crate) async fn associate(
    sdk: &aws_config::SdkConfig,
    web_acl_arn: &str,
    load_balancer_arn: &str,
) -> Result<()> {
    aws_sdk_wafv2::Client::new(sdk)
        .associate_web_acl()
        .web_acl_arn(web_acl_arn)
        .resource_arn(load_balancer_arn)
        .send()
        .await
        .map_err(|e| sdk_error("seed: associate WebACL", e))?;
    Ok(())
}
