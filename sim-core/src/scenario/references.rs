//! Checks between tables: a workload's function, retry policy and API exist (an asg function
//! or an API is invoked sync, and the API has a route to the function), an SQS queue's visibility timeout covers its function's timeout, an incident's
//! functions exist, and the reservations fit the account's concurrency.

use super::{
    Account, Api, Dependency, Function, Invocation, Platform, RetryPolicy, Scenario, Table,
    Workload, err,
};
use crate::error::ConfigError;

/// The tables other tables refer to by name.
pub(crate) struct References<'a> {
    functions: &'a [Function],
    retry_policies: &'a [RetryPolicy],
    apis: &'a [Api],
    tables: &'a [Table],
    dependencies: &'a [Dependency],
    pub(crate) workflows: &'a [super::Workflow],
}

impl<'a> References<'a> {
    pub(crate) fn of(scenario: &'a Scenario) -> Self {
        References {
            functions: &scenario.functions,
            retry_policies: &scenario.retry_policies,
            apis: &scenario.apis,
            tables: &scenario.tables,
            dependencies: &scenario.dependencies,
            workflows: &scenario.workflows,
        }
    }

    /// The workload `key` names an existing function (unless a trace names them) and retry
    /// policy; an asg function is invoked only sync.
    pub(crate) fn check_workload_targets(
        &self,
        w: &Workload,
        key: &str,
    ) -> Result<(), ConfigError> {
        let k = |field: &str| format!("{key}.{field}");
        let from_trace = w.function.is_empty();
        if !from_trace && !self.functions.iter().any(|f| f.name == w.function) {
            let names: Vec<&str> = self.functions.iter().map(|f| f.name.as_str()).collect();
            return err(
                k("function"),
                format!(
                    "no function named \"{}\" (functions: {})",
                    w.function,
                    names.join(", ")
                ),
            );
        }
        if let Some(r) = &w.retry
            && !self.retry_policies.iter().any(|p| &p.name == r)
        {
            let names: Vec<&str> = self
                .retry_policies
                .iter()
                .map(|p| p.name.as_str())
                .collect();
            return err(
                k("retry"),
                format!(
                    "no retry policy named \"{r}\" (retry_policies: {})",
                    names.join(", ")
                ),
            );
        }
        if w.invocation != Invocation::Sync
            && self
                .functions
                .iter()
                .any(|f| f.name == w.function && f.platform == Platform::Asg)
        {
            return err(
                k("invocation"),
                "an asg function is invoked through its load balancer: only \"sync\"",
            );
        }
        if let Some(name) = &w.api {
            let Some(api) = self.apis.iter().find(|a| &a.name == name) else {
                let names: Vec<&str> = self.apis.iter().map(|a| a.name.as_str()).collect();
                return err(
                    k("api"),
                    format!("no API named \"{name}\" (apis: {})", names.join(", ")),
                );
            };
            if from_trace {
                return err(k("api"), "needs the workload's `function` (its route)");
            }
            if !api.routes.iter().any(|r| r.function == w.function) {
                return err(
                    k("api"),
                    format!(
                        "API \"{name}\" has no route to function \"{}\" (add `routes = [{{ function = \"{}\" }}]`)",
                        w.function, w.function
                    ),
                );
            }
            if w.invocation != Invocation::Sync {
                return err(
                    k("invocation"),
                    "a workload through an API invokes its function synchronously: only \"sync\"",
                );
            }
        }
        Ok(())
    }

    /// An SQS workload's visibility timeout is at least its function's timeout.
    pub(crate) fn check_sqs_visibility(&self, w: &Workload, key: &str) -> Result<(), ConfigError> {
        if w.invocation == Invocation::Sqs {
            let from_trace = w.function.is_empty();
            let q = w.sqs.clone().unwrap_or_default();
            let f = self
                .functions
                .iter()
                .find(|f| f.name == w.function)
                .unwrap_or(&self.functions[0]);
            if !from_trace && q.visibility_timeout < f.timeout {
                return err(
                    format!("{key}.sqs.visibility_timeout"),
                    format!(
                        "{} is shorter than the timeout of function \"{}\" ({}); Lambda refuses such an event source mapping (AWS recommends at least 6 × the timeout)",
                        q.visibility_timeout, f.name, f.timeout
                    ),
                );
            }
        }
        Ok(())
    }

    /// Every function an incident lists exists.
    pub(crate) fn check_function_names(
        &self,
        names: &[String],
        key: &str,
    ) -> Result<(), ConfigError> {
        for f in names {
            if !self.functions.iter().any(|g| &g.name == f) {
                return err(key, format!("no function named \"{f}\""));
            }
        }
        Ok(())
    }

    /// Every name in `deps` is a dependency and every name in `tables` a table (the keys
    /// `KEY.dependencies` and `KEY.tables`).
    pub(crate) fn check_backend_names(
        &self,
        deps: &[String],
        tables: &[String],
        key: &str,
    ) -> Result<(), ConfigError> {
        for d in deps {
            if !self.dependencies.iter().any(|x| &x.name == d) {
                return err(
                    format!("{key}.dependencies"),
                    format!("no dependency named \"{d}\""),
                );
            }
        }
        for t in tables {
            if !self.tables.iter().any(|x| &x.name == t) {
                return err(format!("{key}.tables"), format!("no table named \"{t}\""));
            }
        }
        Ok(())
    }
}

/// The functions' reservations (reserved concurrency, or the provisioned concurrency of an
/// unreserved function, which comes out of the shared pool too) leave the account's
/// `unreserved_minimum`.
pub(crate) fn check_reservations(acc: &Account, functions: &[Function]) -> Result<(), ConfigError> {
    // Each function's part and the key that sets it.
    let parts: Vec<(String, u64)> = functions
        .iter()
        .filter_map(|f| match f.reserved_concurrency {
            Some(rc) => Some((
                format!("functions.{}.reserved_concurrency", f.name),
                rc as u64,
            )),
            None if f.provisioned_concurrency > 0 => Some((
                format!("functions.{}.provisioned_concurrency", f.name),
                f.provisioned_concurrency as u64,
            )),
            None => None,
        })
        .collect();
    let reserved_total: u64 = parts.iter().map(|p| p.1).sum();
    let reservable = acc.concurrency_limit as u64 - acc.unreserved_minimum as u64;
    if reserved_total > reservable {
        // Named by the largest part; the message lists them all (the first few).
        let largest = parts.iter().max_by_key(|p| p.1).expect("a part");
        let mut listed: Vec<String> = parts
            .iter()
            .take(5)
            .map(|(k, v)| format!("{k} = {v}"))
            .collect();
        if parts.len() > 5 {
            listed.push(format!("{} more", parts.len() - 5));
        }
        return err(
            largest.0.clone(),
            format!(
                "reserved and provisioned concurrency (an unreserved function's provisioned concurrency is taken from the account too) add up to {reserved_total} ({}), but only {reservable} may be: account.concurrency_limit {} minus account.unreserved_minimum {}",
                listed.join(", "),
                acc.concurrency_limit,
                acc.unreserved_minimum
            ),
        );
    }
    Ok(())
}
