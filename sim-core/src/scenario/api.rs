//! The `[[apis]]` table: Amazon API Gateway in front of functions ([`Api`], [`ApiType`],
//! [`Route`]) — the stage's and each route's throttle, the integration timeout and the price —
//! and its check. The account's throttle across all APIs is in `[account]` (`api_rate`,
//! `api_burst`); a workload sends through an API with `api = "NAME"`.

use super::{Function, Platform, bad_name, err};
use crate::error::ConfigError;
use crate::time::{NS_PER_S, Nanos};
use serde::{Deserialize, Serialize};

/// An API Gateway API (one stage) and the routes that integrate its functions.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Api {
    /// Its name, which workloads give as `api = "NAME"`.
    pub name: String,
    /// `"rest"` (REST API) or `"http"` (HTTP API): the integration timeout's default and limit,
    /// and the price.
    #[serde(default, rename = "type")]
    pub kind: ApiType,
    /// The stage's throttle: steady requests per second (default: none, only the account's).
    #[serde(default)]
    pub rate: Option<f64>,
    /// The stage's burst: the token bucket's capacity (default: `rate`, at least 1).
    #[serde(default)]
    pub burst: Option<f64>,
    /// How long API Gateway waits for the function before it answers 504 (default: 29 s for
    /// REST, 30 s for HTTP). The function runs on, and is billed, to its own end.
    #[serde(default)]
    pub integration_timeout: Option<Nanos>,
    /// USD per million requests received and not throttled (default: the first tier's price
    /// of the type in us-east-1: 3.50 REST, 1.00 HTTP).
    #[serde(default)]
    pub price_per_million: Option<f64>,
    /// One route per function the API integrates, with its own throttle if any.
    pub routes: Vec<Route>,
}

/// The API type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum ApiType {
    #[default]
    Rest,
    Http,
}

/// A route (a REST API's method, an HTTP API's route) with a Lambda proxy integration.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Route {
    /// The function it integrates.
    pub function: String,
    /// The route's throttle: steady requests per second (default: none).
    #[serde(default)]
    pub rate: Option<f64>,
    /// The route's burst (default: `rate`, at least 1).
    #[serde(default)]
    pub burst: Option<f64>,
}

/// The account's throttle across all APIs in the Region (docs/sources.md: S53).
pub const ACCOUNT_API_RATE: f64 = 10_000.0;
/// The account's burst: the token bucket's capacity (S53).
pub const ACCOUNT_API_BURST: f64 = 5_000.0;
/// Throttles above this rate are refused (a typo guard, not a platform limit).
const MAX_RATE: f64 = 1e9;

impl ApiType {
    /// `"rest"` or `"http"`, as the scenario writes it.
    pub fn name(self) -> &'static str {
        match self {
            ApiType::Rest => "rest",
            ApiType::Http => "http",
        }
    }

    /// The default integration timeout (S22).
    pub fn default_timeout(self) -> Nanos {
        match self {
            ApiType::Rest => Nanos(29 * NS_PER_S),
            ApiType::Http => Nanos(30 * NS_PER_S),
        }
    }

    /// The longest integration timeout: 30 s for HTTP APIs; 300 s for REST APIs (above 29 s
    /// only Regional and private REST APIs, after a quota increase) (S22).
    pub fn max_timeout(self) -> Nanos {
        match self {
            ApiType::Rest => Nanos(300 * NS_PER_S),
            ApiType::Http => Nanos(30 * NS_PER_S),
        }
    }

    /// USD per million requests, the first tier in us-east-1 (S54).
    pub fn default_price(self) -> f64 {
        match self {
            ApiType::Rest => 3.50,
            ApiType::Http => 1.00,
        }
    }
}

impl Api {
    /// Its integration timeout.
    pub fn timeout(&self) -> Nanos {
        self.integration_timeout
            .unwrap_or(self.kind.default_timeout())
    }
}

/// A throttle's bucket capacity: `burst`, else `rate`, at least 1.
pub fn bucket_capacity(rate: f64, burst: Option<f64>) -> f64 {
    burst.unwrap_or(rate.max(1.0))
}

/// Checks a throttle whose rate and burst are the keys `rate_key` and `burst_key`.
pub(super) fn check_throttle(
    rate: Option<f64>,
    burst: Option<f64>,
    rate_key: &str,
    burst_key: &str,
) -> Result<(), ConfigError> {
    if let Some(r) = rate
        && !(r > 0.0 && r <= MAX_RATE)
    {
        return err(
            rate_key,
            format!("must be greater than 0 and at most {MAX_RATE:e} requests per second"),
        );
    }
    if let Some(b) = burst {
        if rate.is_none() {
            return err(burst_key, "needs a `rate`");
        }
        if !(b.is_finite() && (0.0..=MAX_RATE).contains(&b)) {
            return err(
                burst_key,
                format!("must be from 0 to {MAX_RATE:e} requests"),
            );
        }
    }
    Ok(())
}

/// Checks the `[[apis]]` entries against the functions: unique names, throttles, the
/// integration timeout within the type's limits, one route per existing Lambda function.
pub(super) fn check_apis(apis: &[Api], functions: &[Function]) -> Result<(), ConfigError> {
    for (i, a) in apis.iter().enumerate() {
        if bad_name(&a.name) {
            return err(
                format!("apis.{i}.name"),
                "must not be empty or contain '.', ',', '\"' or a newline",
            );
        }
        if apis[..i].iter().any(|b| b.name == a.name) {
            return err(format!("apis.{}.name", a.name), "another API has this name");
        }
        let key = format!("apis.{}", a.name);
        check_throttle(
            a.rate,
            a.burst,
            &format!("{key}.rate"),
            &format!("{key}.burst"),
        )?;
        let t = a.timeout();
        let (min, max) = (Nanos(50_000_000), a.kind.max_timeout());
        if t < min || t > max {
            return err(
                format!("{key}.integration_timeout"),
                format!(
                    "must be from 50ms to {} for a {} API",
                    if a.kind == ApiType::Rest {
                        "300s"
                    } else {
                        "30s"
                    },
                    if a.kind == ApiType::Rest {
                        "REST"
                    } else {
                        "HTTP"
                    }
                ),
            );
        }
        if let Some(p) = a.price_per_million
            && !(p.is_finite() && p >= 0.0)
        {
            return err(
                format!("{key}.price_per_million"),
                "must be a number of USD, 0 or more",
            );
        }
        if a.routes.is_empty() {
            return err(format!("{key}.routes"), "at least one route is required");
        }
        for (j, r) in a.routes.iter().enumerate() {
            let rk = format!("{key}.routes.{j}");
            let Some(f) = functions.iter().find(|f| f.name == r.function) else {
                let names: Vec<&str> = functions.iter().map(|f| f.name.as_str()).collect();
                return err(
                    format!("{rk}.function"),
                    format!(
                        "no function named \"{}\" (functions: {})",
                        r.function,
                        names.join(", ")
                    ),
                );
            };
            if f.platform != Platform::Lambda {
                return err(
                    format!("{rk}.function"),
                    format!(
                        "\"{}\" runs on an Auto Scaling group; an API route integrates a Lambda function",
                        r.function
                    ),
                );
            }
            if a.routes[..j].iter().any(|q| q.function == r.function) {
                return err(
                    format!("{rk}.function"),
                    format!("another route of this API integrates \"{}\"", r.function),
                );
            }
            check_throttle(
                r.rate,
                r.burst,
                &format!("{rk}.rate"),
                &format!("{rk}.burst"),
            )?;
        }
    }
    Ok(())
}
