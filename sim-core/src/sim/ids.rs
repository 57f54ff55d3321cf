//! Typed ids: each names one entity by its index in its owner's table, so that the seams between
//! owners (events, targets, attempts and their ends) cannot mix them up. An owner turns an id
//! back into an index (`.0`) only to reach into its own table.

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(transparent)]
        pub(crate) struct $name(pub(crate) u32);
    };
}

id!(
    /// A function: an index into `Lambda::funcs` (every scenario function has one, whatever its
    /// platform).
    FnId
);
id!(
    /// A workload: an index into `Simulation::workloads`.
    WorkloadId
);
id!(
    /// A Lambda execution environment: an index into `Lambda::insts`.
    InstId
);
id!(
    /// An EC2 Auto Scaling group: an index into `Simulation::asgs`.
    GroupId
);
id!(
    /// An instance of an Auto Scaling group: an index into its group's nodes.
    NodeId
);
id!(
    /// A request slot of an Auto Scaling group: an index into its group's requests.
    SlotId
);
id!(
    /// A request parked for a later attempt: an index into `Parked::slots`.
    ParkedId
);
id!(
    /// An incident: an index into `Incidents::list`.
    IncidentId
);
id!(
    /// An SQS source (a queue and its event source mapping): an index into `Sqs::sources`.
    SqsId
);
id!(
    /// An SQS batch in flight: an index into `Sqs::batches`.
    BatchId
);
id!(
    /// A request API Gateway answered with a 504 while its function runs on: an index into
    /// `Apis::answers`.
    AnswerId
);
id!(
    /// A DynamoDB table: an index into `Backends::tables`.
    TableId
);
id!(
    /// A generic dependency: an index into `Backends::deps`.
    DepId
);
id!(
    /// A call's answer due from a table or a dependency: an index into `Backends::replies`.
    ReplyId
);
id!(
    /// A Step Functions workflow: an index into `Workflows::flows`.
    WfId
);
id!(
    /// A workflow execution: an index into `Workflows::execs`.
    ExecId
);
id!(
    /// A thread of a workflow execution (its own, a branch's or a Map item's): an index into
    /// `Workflows::threads`.
    ThreadId
);
