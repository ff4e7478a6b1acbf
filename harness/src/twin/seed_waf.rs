//! Seeds the WebACL app-infra declares (its AWS managed rule groups with their override
//! actions, and its rate rules, both read from Terraform) and associates it with the ALB.

use aws_sdk_wafv2::types::{
    AllowAction, BlockAction, CountAction, DefaultAction, ManagedRuleGroupStatement, NoneAction,
    OverrideAction, RateBasedStatement, RateBasedStatementAggregateKeyType, Rule, RuleAction,
    Scope, Statement, VisibilityConfig,
};

use crate::aws::sdk_error;
use crate::error::{Error, Result};

use super::terraform::{ManagedGroup, RateRule};

fn visibility(name: &str) -> Result<VisibilityConfig> {
    VisibilityConfig::builder()
        .sampled_requests_enabled(true)
        .cloud_watch_metrics_enabled(true)
        .metric_name(name)
        .build()
        .map_err(|e| Error::Runtime(format!("seed: WAF visibility config: {e}")))
}

/// Creates the WebACL and associates it with `load_balancer_arn`; returns its ARN.
pub(crate) async fn web_acl(
    sdk: &aws_config::SdkConfig,
    name: &str,
    load_balancer_arn: &str,
    groups: &[ManagedGroup],
    rate_rules: &[RateRule],
) -> Result<String> {
    let waf = aws_sdk_wafv2::Client::new(sdk);
    let bad = |e: aws_sdk_wafv2::error::BuildError| Error::Runtime(format!("seed: WAF rule: {e}"));
    let mut rules = Vec::new();
    for (i, g) in groups.iter().enumerate() {
        let action = if g.override_action == "count" {
            OverrideAction::builder()
                .count(CountAction::builder().build())
                .build()
        } else {
            OverrideAction::builder()
                .none(NoneAction::builder().build())
                .build()
        };
        let group = &g.name;
        rules.push(
            Rule::builder()
                .name(group)
                .priority(i as i32)
                .statement(
                    Statement::builder()
                        .managed_rule_group_statement(
                            ManagedRuleGroupStatement::builder()
                                .vendor_name(&g.vendor)
                                .name(group)
                                .build()
                                .map_err(bad)?,
                        )
                        .build(),
                )
                .override_action(action)
                .visibility_config(visibility(group)?)
                .build()
                .map_err(bad)?,
        );
    }
    // Terraform's rate-based rules (names, limits), after the managed groups.
    for (i, r) in rate_rules.iter().enumerate() {
        let limit = i64::try_from(r.limit).map_err(|_| {
            Error::Config(format!(
                "seed: WAF rule {}: limit {} out of range",
                r.name, r.limit
            ))
        })?;
        rules.push(
            Rule::builder()
                .name(&r.name)
                .priority((groups.len() + i) as i32)
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
        .name(format!("{name}-waf"))
        .scope(Scope::Regional)
        .default_action(
            DefaultAction::builder()
                .allow(AllowAction::builder().build())
                .build(),
        )
        .visibility_config(visibility(&format!("{name}-waf"))?)
        .set_rules(Some(rules))
        .send()
        .await
        .map_err(|e| sdk_error("seed: create WebACL", e))?;
    let arn = out
        .summary()
        .and_then(|s| s.arn())
        .ok_or_else(|| Error::Aws("seed: create WebACL returned no ARN".into()))?
        .to_owned();
    waf.associate_web_acl()
        .web_acl_arn(&arn)
        .resource_arn(load_balancer_arn)
        .send()
        .await
        .map_err(|e| sdk_error("seed: associate WebACL", e))?;
    Ok(arn)
}
