//! The workflows between owners: a workload's arrival starts an execution; each Task attempt
//! the owner asks for becomes a request of the Task's workload, sent as a call (`send_call`:
//! to Lambda's `invoke`, a table or a dependency) with its thread as the caller; its answer
//! comes back through `answer_caller` to `Workflows::answered`.

use crate::sim::ids::ThreadId;
use crate::sim::request::Caller;
use crate::sim::{Observer, Req, Simulation};

impl Simulation {
    /// Workload `w`'s arrival at `now` starts an execution of workflow `flow`.
    pub(crate) fn start_execution(&mut self, flow: u32, now: u64, obs: &mut dyn Observer) {
        self.workflows.start(&mut self.cx, flow, now);
        self.send_tasks(now, obs);
    }

    /// Makes the Task attempts the workflows asked for, in order.
    pub(crate) fn send_tasks(&mut self, now: u64, obs: &mut dyn Observer) {
        while let Some(tc) = self.workflows.out.pop_front() {
            let (id, measured) = (self.next_req, now >= self.cx.warmup);
            self.next_req += 1;
            self.backends.count_call(tc.workload, measured);
            let req = Req {
                id,
                first: now,
                prev_delay: 0,
                w: tc.workload,
                attempt: 1,
                last_cost: 0,
                measured,
                retry: true,
                via: self.workloads[tc.workload as usize].via,
                errs: 0,
                throttles: 0,
                last: None,
                caller: Some(Caller::Task {
                    thread: ThreadId(tc.thread),
                    seq: tc.seq,
                }),
            };
            self.send_call(req, false, now, obs);
        }
    }

    /// Thread `thread`'s timer numbered `seq` is due.
    pub(crate) fn on_wf_timer(
        &mut self,
        thread: ThreadId,
        seq: u32,
        now: u64,
        obs: &mut dyn Observer,
    ) {
        self.workflows.on_timer(&mut self.cx, thread, seq, now);
        self.send_tasks(now, obs);
    }
}
