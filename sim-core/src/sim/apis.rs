//! API Gateway in front of Lambda functions: each attempt of a request sent through an API
//! passes the route's, the stage's and the account's throttles (token buckets; a 429 never
//! reaches Lambda), and an attempt whose function would answer after the integration timeout is
//! answered 504 at the timeout while the function runs on, billed, to its own end.

use super::slab::Slab;
use super::{Bucket, Event, Observer, Req, Scenario};
use crate::metrics::{ApiMetrics, Service, round_sig};
use crate::observer::ServiceRow;
use crate::scenario::{ApiType, bucket_capacity};
use crate::sim::ids::AnswerId;
use crate::time::Nanos;

/// A throttle: a token bucket of `rate` requests a second and capacity `burst` (default: the
/// rate, at least 1).
fn throttle(rate: f64, burst: Option<f64>) -> Bucket {
    Bucket::new(bucket_capacity(rate, burst), rate, true)
}

/// One API (a stage) and its routes.
struct Api {
    kind: ApiType,
    /// The integration timeout, in ns.
    timeout: u64,
    stage: Option<Bucket>,
    routes: Vec<Route>,
    /// USD per request received and not throttled.
    price: f64,
    /// Over the measured window: requests received, throttled (429), answered at the timeout
    /// (504), and sent to the function.
    received: u64,
    throttled: u64,
    timed_out: u64,
    forwarded: u64,
    /// The same over the current sample interval, warmup included.
    bin: [u64; 4],
}

/// A route: its function, its throttle, and the measured requests it forwarded (billed).
struct Route {
    f: u32,
    throttle: Option<Bucket>,
    forwarded: u64,
}

/// A request answered 504 at its integration timeout: what its answer needs.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Answer {
    /// The API that answers.
    pub(crate) api: u32,
    pub(crate) req: Req,
    pub(crate) f: u32,
    /// When the attempt reached the API.
    pub(crate) arrival: u64,
    pub(crate) cold: bool,
    /// The environment serving it, if its end was not known when it started (it makes calls).
    pub(crate) inst: Option<u32>,
}

/// The APIs, the account's throttle across them, and the answers due.
#[derive(Default)]
pub(crate) struct Apis {
    list: Vec<Api>,
    account: Option<Bucket>,
    answers: Slab<Answer>,
}

/// How API Gateway takes an attempt.
pub(crate) enum Gate {
    /// Throttled: 429, it never reaches the function.
    Throttled,
    /// Sent to the function, answered 504 if the function has not answered by `deadline`.
    Forwarded { deadline: u64 },
}

impl Apis {
    /// The scenario's APIs.
    pub(crate) fn new(scenario: &Scenario) -> Apis {
        let fn_index = |name: &str| {
            scenario
                .functions
                .iter()
                .position(|f| f.name == name)
                .expect("validated") as u32
        };
        let list: Vec<Api> = scenario
            .apis
            .iter()
            .map(|a| Api {
                kind: a.kind,
                timeout: a.timeout().0,
                stage: a.rate.map(|r| throttle(r, a.burst)),
                routes: a
                    .routes
                    .iter()
                    .map(|r| Route {
                        f: fn_index(&r.function),
                        throttle: r.rate.map(|rate| throttle(rate, r.burst)),
                        forwarded: 0,
                    })
                    .collect(),
                price: a.price_per_million.unwrap_or(a.kind.default_price()) / 1e6,
                received: 0,
                throttled: 0,
                timed_out: 0,
                forwarded: 0,
                bin: [0; 4],
            })
            .collect();
        let account = (!list.is_empty())
            .then(|| throttle(scenario.account.api_rate, Some(scenario.account.api_burst)));
        Apis {
            list,
            account,
            ..Apis::default()
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// How many APIs there are.
    pub(crate) fn len(&self) -> usize {
        self.list.len()
    }

    /// An attempt reaches route `route` of API `api` at `now` (`measured`: counted): throttled,
    /// or forwarded with its deadline. A request takes a token from the route's, the stage's and
    /// the account's buckets only if each has one (the order AWS applies them: method, stage,
    /// account).
    pub(crate) fn gate(&mut self, api: u32, route: u32, now: u64, measured: bool) -> Gate {
        let a = &mut self.list[api as usize];
        let account = self
            .account
            .as_mut()
            .expect("an account throttle with APIs");
        a.received += measured as u64;
        a.bin[0] += 1;
        let r = &mut a.routes[route as usize];
        let route = &mut r.throttle;
        let ok = route.as_mut().is_none_or(|t| t.ready(now))
            && a.stage.as_mut().is_none_or(|t| t.ready(now))
            && account.ready(now);
        if !ok {
            a.throttled += measured as u64;
            a.bin[1] += 1;
            return Gate::Throttled;
        }
        // Each has a token: take it (the refill up to `now` is already done).
        for t in [route.as_mut(), a.stage.as_mut(), Some(account)]
            .into_iter()
            .flatten()
        {
            t.take(now);
        }
        a.forwarded += measured as u64;
        a.bin[3] += 1;
        r.forwarded += measured as u64;
        Gate::Forwarded {
            deadline: now.saturating_add(a.timeout),
        }
    }

    /// Its API answers `answer` with a 504 at `at`: its `ApiAnswer` event.
    pub(crate) fn answer_at(
        &mut self,
        answer: Answer,
        at: u64,
        q: &mut crate::engine::EventQueue<Event>,
    ) {
        let slot = self.answers.insert(answer);
        q.schedule(at, Event::ApiAnswer(AnswerId(slot)));
    }

    /// The answer in `slot`.
    /// The 504 answers not yet given (at the end of the run).
    pub(crate) fn pending_answers(&self) -> impl Iterator<Item = &Answer> {
        self.answers.iter()
    }

    pub(crate) fn peek_answer(&self, slot: AnswerId) -> Option<&Answer> {
        self.answers.get(slot.0)
    }

    /// The answer in `slot` is not due: the attempt ended in time.
    pub(crate) fn drop_answer(&mut self, slot: AnswerId) {
        self.answers.take(slot.0);
    }

    /// The answer due now in `slot`: its API answers 504.
    pub(crate) fn take_answer(&mut self, slot: AnswerId) -> Answer {
        let a = self.answers.take(slot.0).expect("one event per answer");
        let s = &mut self.list[a.api as usize];
        s.timed_out += a.req.measured as u64;
        s.bin[2] += 1;
        a
    }

    /// Hands each API's row of the interval `[from, from + span)` to `obs`; the bins restart.
    pub(crate) fn emit(&mut self, from: u64, span: u64, obs: &mut dyn Observer) {
        for (i, a) in self.list.iter_mut().enumerate() {
            let [requests, throttled, timed_out, forwarded] = a.bin;
            obs.service(&ServiceRow {
                time: Nanos(from),
                span: Nanos(span),
                service: i as u32,
                requests,
                throttled,
                timed_out,
                forwarded,
                ..ServiceRow::default()
            });
            a.bin = [0; 4];
        }
    }

    /// Each API's metrics over the measured window, named by `names`, and the API cost of each
    /// of the `n` functions (the requests its routes forwarded: API Gateway does not charge
    /// for throttled ones).
    pub(crate) fn metrics(&self, names: &[String], n: usize) -> (Vec<(String, Service)>, Vec<f64>) {
        let mut per_fn = vec![0.0; n];
        let list = self
            .list
            .iter()
            .zip(names)
            .map(|(a, name)| {
                for r in &a.routes {
                    per_fn[r.f as usize] += r.forwarded as f64 * a.price;
                }
                let m = ApiMetrics {
                    kind: a.kind.name(),
                    requests: a.received,
                    throttled: a.throttled,
                    timed_out: a.timed_out,
                    forwarded: a.forwarded,
                    cost_usd: round_sig(a.forwarded as f64 * a.price),
                };
                (name.clone(), Service::Api(m))
            })
            .collect();
        (list, per_fn)
    }
}
