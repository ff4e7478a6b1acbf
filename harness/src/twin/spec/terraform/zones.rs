//! How many availability zones shared-infra spreads its subnets over, read from its
//! variables: an ALB has one node per zone of its subnets, so this is how many edge
//! nodes the twin runs. shared-infra's `local.azs` is `var.availability_zones` when
//! that list is not empty, else the first `var.az_count` zones of the region (a data
//! source, which cannot be evaluated here); the count is therefore the override's
//! length when it is given, else `az_count`, both from their defaults.

use std::path::{Path, PathBuf};

use hcl::Value;

use super::{Stack, attr, bad};
use crate::error::{Error, Result};

/// The shared-infra folder beside an app-infra folder (the repository's layout:
/// `terraform/app-infra` and `terraform/shared-infra`).
pub fn shared_infra_dir(app_infra: &Path) -> PathBuf {
    app_infra.join("..").join("shared-infra")
}

/// The availability zones of the shared-infra stack beside the app-infra folder
/// `app_infra` ([`shared_infra_dir`]): the edge nodes of a twin built from it.
pub fn edge_nodes(app_infra: &Path) -> Result<usize> {
    availability_zone_count(&shared_infra_dir(app_infra))
}

/// The number of availability zones the shared-infra stack in `dir` declares.
pub fn availability_zone_count(dir: &Path) -> Result<usize> {
    let s = Stack::load(dir)?;
    let variable = |name: &str| {
        s.blocks
            .iter()
            .find(|(_, b)| {
                b.identifier() == "variable" && b.labels().first().map(|l| l.as_str()) == Some(name)
            })
            .map(|(f, b)| (f.as_path(), b.body()))
            .ok_or_else(|| Error::Config(format!("Terraform: no variable {name} declared")))
    };
    let (f, zones) = variable("availability_zones")?;
    let listed = match s.value(f, "availability_zones.default", attr(zones, "default"))? {
        Value::Array(a) => a.len(),
        other => {
            return Err(bad(
                f,
                "availability_zones.default",
                format!("{other} is not a list"),
            ));
        }
    };
    let count = if listed > 0 {
        listed
    } else {
        let (f, count) = variable("az_count")?;
        let n = s.number(f, "az_count.default", attr(count, "default"))?;
        usize::try_from(n).map_err(|_| bad(f, "az_count.default", format!("{n} is too large")))?
    };
    if count == 0 {
        return Err(bad(f, "availability zones", "none declared"));
    }
    Ok(count)
}
