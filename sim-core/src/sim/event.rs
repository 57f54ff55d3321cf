//! The events of the one event queue. Each names its owner's entity by a typed id; the loop in
//! `sim/mod.rs` dispatches them.

use super::InstEv;
use super::ids::{
    AnswerId, BatchId, ExecId, FnId, GroupId, IncidentId, InstId, NodeId, ParkedId, ReplyId,
    SlotId, SqsId, TableId, ThreadId, WorkloadId,
};

#[derive(Clone, Copy, Debug)]
pub(crate) enum Event {
    /// The next arrival of workload `.0`.
    Arrival(WorkloadId),
    /// Instance `inst` finishes the request it serves (stale if `epoch` moved on).
    Done { inst: InstId, epoch: u32 },
    /// Reclaim function `.0`'s instances idle for its keep-alive.
    Expire(FnId),
    /// Function `.0`'s requested provisioned environments are allocated.
    PcReady(FnId),
    /// A utilization datapoint of function `.0`'s provisioned concurrency.
    PcMetric(FnId),
    /// Scheduled scaling action `action` of function `f`.
    PcSchedule { f: FnId, action: u32 },
    /// Idle instance `inst`'s own keep-alive runs out (stale if `epoch` moved on).
    ExpireInst { inst: InstId, epoch: u32 },
    /// A pre-warmed environment of function `.0` is ready (hybrid keep-alive).
    Prewarm(FnId),
    /// Provisioned environment `inst` finished re-initializing.
    PcRecycled { inst: InstId, epoch: u32 },
    /// A client retries the request held in retry slot `.0` (or Lambda retries an async event).
    Retry(ParkedId),
    /// Incident `.0` starts.
    IncidentStarts(IncidentId),
    /// Incident `.0` ends.
    IncidentEnds(IncidentId),
    /// The event source mapping of SQS source `.0` polls again (batching window, scaling).
    SqsPoll(SqsId),
    /// The visibility timeout of batch `batch` runs out (stale if `epoch` moved on).
    SqsVisible { batch: BatchId, epoch: u32 },
    /// Instance `inst` of Auto Scaling group `a` reaches the next step of its life (stale if
    /// `epoch` moved on).
    AsgInst {
        a: GroupId,
        inst: NodeId,
        epoch: u32,
        kind: InstEv,
    },
    /// Group `a`: a metric period ends, a delayed datapoint reaches the alarms, or a scheduled
    /// action runs.
    AsgTick { a: GroupId, tick: Tick },
    /// API Gateway answers the attempt in `.0` with a 504: its integration timeout ran out.
    ApiAnswer(AnswerId),
    /// Group `a` is brought up to now (a request with a client retry policy ends now).
    AsgSync(GroupId),
    /// The timeout of attempt `seq` (with calls) in environment `inst`, if it still waits.
    CallGuard { inst: InstId, seq: u32 },
    /// A table or dependency answers the call in `.0`.
    Reply(ReplyId),
    /// A minute of table `.0` ends: its datapoint (on-demand peak, target tracking).
    TableTick(TableId),
    /// The capacity target tracking decided for table `.0` takes effect.
    TableUpdate(TableId),
    /// A workflow thread's timer (a Wait's end, a retry, a delayed transition, a Task's
    /// timeout), stale if the thread's wait numbered `seq` is over.
    WfTimer { thread: ThreadId, seq: u32 },
    /// Execution `exec`'s timeout, stale if its generation moved on from `generation`.
    WfTimeout { exec: ExecId, generation: u32 },
    /// The client of request slot `slot` of group `a` times out (stale if `epoch` moved on).
    AsgTimeout {
        a: GroupId,
        slot: SlotId,
        epoch: u32,
    },
}

/// What a tick of an Auto Scaling group is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tick {
    /// A metric period ends: its datapoint is taken.
    PeriodEnd,
    /// A delayed datapoint reaches the group's alarms.
    Datapoint,
    /// Scheduled action `.0` runs.
    Scheduled(u32),
}
