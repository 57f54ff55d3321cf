//! A request as it moves between attempts: its id, first arrival, workload, attempt number and
//! what retries need, and how it reaches the function.

use crate::metrics::Outcome;
use crate::observer::RequestRecord;
use crate::retry::Failure;
use crate::scenario::Invocation;
use crate::sim::ids::{DepId, FnId, GroupId, InstId, TableId, ThreadId, WfId};
use crate::time::Nanos;

/// A request between attempts, or the part of an attempt that retries need: the request's id,
/// first arrival, workload, attempt number and last backoff delay.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Req {
    pub(crate) id: u64,
    pub(crate) first: u64,
    pub(crate) prev_delay: u64,
    pub(crate) w: u32,
    pub(crate) attempt: u32,
    /// Quota tokens the last retry cost.
    pub(crate) last_cost: u32,
    pub(crate) measured: bool,
    /// The request's context is kept between attempts (a client retry policy, an async event,
    /// an SQS batch).
    pub(crate) retry: bool,
    /// How the request reaches the function.
    pub(crate) via: Invocation,
    /// Async: retries after errors or timeouts so far.
    pub(crate) errs: u8,
    /// Async: throttles so far.
    pub(crate) throttles: u16,
    /// Async: the last failure (reported if the event expires); a sync call's, its outcome if
    /// its caller ends before its retry.
    pub(crate) last: Option<Failure>,
    /// A call's caller, waiting for its answer (a sync call).
    pub(crate) caller: Option<Caller>,
}

/// Who waits for a call's answer: the attempt in an environment (and the epoch the answer must
/// find there), or a workflow's thread at a Task (and the number of its wait).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Caller {
    Env { inst: InstId, epoch: u32 },
    Task { thread: ThreadId, seq: u32 },
}

impl Req {
    /// The record of this request's attempt at function `f`, rejected at `now` before it ran
    /// (throttled, or a service error), on either platform. An SQS batch's records are written
    /// per message by its queue.
    #[cold]
    pub(crate) fn rejected(&self, f: u32, outcome: Outcome, now: u64) -> RequestRecord {
        RequestRecord {
            id: self.id,
            function: f,
            arrival: Nanos(now),
            start: None,
            end: Some(Nanos(now)),
            cold: false,
            outcome,
            attempt: self.attempt,
            measured: self.measured,
            env: None,
        }
    }
}

/// What a client's quota needs of a request that succeeded: its workload, the attempt that
/// succeeded and what the last retry cost.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Refund {
    pub(crate) w: u32,
    pub(crate) attempt: u32,
    pub(crate) last_cost: u32,
}

impl Req {
    /// What its client's quota gets back if this attempt succeeds.
    pub(crate) fn refund(&self) -> Refund {
        Refund {
            w: self.w,
            attempt: self.attempt,
            last_cost: self.last_cost,
        }
    }
}

/// Where a workload's requests go: the platform that runs them, ready for more platforms and
/// services.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// A Lambda function.
    Lambda(FnId),
    /// An EC2 Auto Scaling group.
    Asg(GroupId),
    /// A DynamoDB table (a call's target).
    Table(TableId),
    /// A generic dependency (a call's target).
    Dep(DepId),
    /// A Step Functions workflow: each arrival starts an execution.
    Workflow(WfId),
}

/// How an attempt ended, as its platform reports it. The router (`route.rs`) hands it to whoever
/// decides what comes next: the client's retry policy, Lambda's async queue or the SQS mapping.
#[derive(Clone, Copy, Debug)]
pub(crate) enum AttemptEnd {
    /// It succeeded, and the request's context was kept: its client's quota gets its refund.
    Succeeded(Refund),
    /// It failed at function `f` with `failure` (a function error or a timeout); the request is
    /// the one environment `inst` served (its context in `Lambda::ctx`).
    Failed {
        f: FnId,
        inst: InstId,
        failure: Failure,
    },
    /// It succeeded, and it was a sync call: the caller waiting in `Lambda::ctx`'s `caller`
    /// (the request served by environment `inst`) gets its answer.
    Answered { inst: InstId },
    /// The attempt in environment `inst` makes its next call now.
    Call { inst: InstId },
    /// SQS batch `batch` ran to its end (`failure`: how its invocation failed, if it did).
    Batch {
        batch: u32,
        failure: Option<Failure>,
        cold: bool,
    },
}

/// How an attempt on an Auto Scaling group ended, when its client decides what follows (the
/// request has a retry policy): the group collects these while it is brought up to date, and the
/// router hands each to the client in order once the group's handler returns.
#[derive(Clone, Copy, Debug)]
pub(crate) enum GroupEnd {
    /// It succeeded: the client's quota gets its refund.
    Succeeded(Refund),
    /// It failed at `at` with `failure` at the group's function `f`: the client may retry it.
    Failed {
        f: FnId,
        req: Req,
        failure: Failure,
        at: u64,
    },
}
