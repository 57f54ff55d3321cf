//! Async invocation and SQS event sources: Lambda's async retries and maximum event age, SQS
//! redelivery, `max_receive_count` and the dead-letter queue, partial batch failures, duplicates
//! and poller scaling.

mod common;
use common::{by_request, record};
use sim_core::Outcome;

const S: u64 = 1_000_000_000;

/// A function that always fails: every event is attempted exactly 3 times (2 retries), the
/// retries 1 and 2 minutes after the previous attempt ended, then dead-lettered.
#[test]
fn async_errors_make_three_attempts_then_dead_letter() {
    let (s, rec) = record(
        r#"
        [simulation]
        duration = "2h"
        [[functions]]
        name = "f"
        duration = { dist = "constant", value = "100ms" }
        error_probability = 1.0
        [[workloads]]
        function = "f"
        invocation = "async"
        arrivals = { process = "constant", rate = 0.1 }
        "#,
    );
    let t = &s.total;
    assert_eq!(t.outcomes.total(), t.requests);
    assert_eq!(t.outcomes.succeeded + t.outcomes.failed, 0);
    // Events of the last ~3 minutes are still between attempts.
    assert!(t.outcomes.in_flight <= 19, "{:?}", t.outcomes);
    assert_eq!(t.outcomes.dead_lettered + t.outcomes.in_flight, t.requests);
    let reqs = by_request(&rec);
    let mut complete = 0;
    for (id, atts) in &reqs {
        assert!(atts.len() <= 3, "event {id} attempted {} times", atts.len());
        for pair in atts.windows(2) {
            let gap = pair[1].start.unwrap().0 - pair[0].end.unwrap().0;
            let want = if pair[1].attempt == 2 {
                60 * S
            } else {
                120 * S
            };
            assert_eq!(
                gap, want,
                "event {id}: attempt {} waited {gap} ns",
                pair[1].attempt
            );
        }
        for a in atts {
            assert_eq!(a.outcome, Outcome::Failed);
            // The error comes after a fraction of the 100 ms of work.
            assert!(a.end.unwrap().0 - a.start.unwrap().0 <= S / 10);
        }
        complete += (atts.len() == 3) as u64;
    }
    assert_eq!(complete, t.outcomes.dead_lettered);
    assert_eq!(t.attempts, rec.attempts.len() as u64);
    // The dead-letter queue fills in the time series; its depth is the running total.
    let dl: u64 = rec.rows.iter().map(|r| r.dead_lettered).sum();
    assert_eq!(dl, t.outcomes.dead_lettered);
    assert_eq!(rec.rows.last().unwrap().dlq_depth, dl);
    assert!(rec.rows[10].queue_depth >= 15, "{:?}", rec.rows[10]);
}

/// `max_retry_attempts = 0` and `on_failure = "discard"`: one attempt, and the event ends
/// `failed` rather than dead-lettered.
#[test]
fn async_without_retries_or_destination_fails_once() {
    let (s, rec) = record(
        r#"
        [simulation]
        duration = "10m"
        [[functions]]
        name = "f"
        duration = { dist = "constant", value = "100ms" }
        error_probability = 1.0
        [[workloads]]
        function = "f"
        invocation = "async"
        arrivals = { process = "constant", rate = 1 }
        async = { max_retry_attempts = 0, on_failure = "discard" }
        "#,
    );
    assert_eq!(s.total.requests, 599);
    assert_eq!(s.total.outcomes.failed, 599);
    assert_eq!(s.total.attempts, 599);
    assert_eq!(rec.attempts.len(), 599);
}

/// A throttled async function (reserved concurrency 0) keeps its events for the maximum event
/// age: attempts after 1, 2, 4 … 256 s, then every 300 s (the 5-minute cap), and each event is
/// dead-lettered at exactly 6 h.
#[test]
fn throttled_async_events_are_kept_until_the_maximum_age() {
    let (s, rec) = record(
        r#"
        [simulation]
        duration = "7h"
        sample_interval = "30m"
        [[functions]]
        name = "f"
        duration = { dist = "constant", value = "100ms" }
        reserved_concurrency = 0
        [[workloads]]
        function = "f"
        invocation = "async"
        arrivals = { process = "constant", rate = 0.001 }
        "#,
    );
    // Events every 1000 s; each is attempted at these offsets from its arrival.
    let mut want = vec![0u64];
    let (mut t, mut d) = (0, 1);
    loop {
        t += d;
        if t >= 21_600 {
            break;
        }
        want.push(t * S);
        d = (2 * d).min(300);
    }
    assert_eq!(want.len(), 80);
    let reqs = by_request(&rec);
    assert_eq!(reqs.len() as u64, s.total.requests);
    for atts in reqs.values() {
        let first = atts[0].arrival.0;
        let offsets: Vec<u64> = atts.iter().map(|r| r.arrival.0 - first).collect();
        assert_eq!(offsets, want[..offsets.len()]);
        if first + 21_600 * S < 7 * 3600 * S {
            assert_eq!(offsets.len(), 80);
        }
        assert!(atts.iter().all(|r| r.outcome == Outcome::Throttled));
    }
    // Events arriving at 1000, 2000 and 3000 s reach 6 h before the end.
    assert_eq!(s.total.outcomes.dead_lettered, 3);
    assert_eq!(s.total.outcomes.in_flight, s.total.requests - 3);
    let dl: Vec<u64> = rec.rows.iter().map(|r| r.dead_lettered).collect();
    // At 22600, 23600 and 24600 s: in the intervals starting at 21600 (one) and 23400 (two).
    assert_eq!(dl[12], 1);
    assert_eq!(dl[13], 2);
    assert_eq!(dl.iter().sum::<u64>(), 3);
    // Waiting events are the queue: three at 1 h.
    assert_eq!(rec.rows[1].queue_depth, 3);
}

fn sqs_scenario(sqs: &str, function: &str, rate: f64, duration: &str) -> String {
    format!(
        r#"
        [simulation]
        duration = "{duration}"
        [[functions]]
        name = "f"
        timeout = "10s"
        {function}
        [[workloads]]
        function = "f"
        invocation = "sqs"
        arrivals = {{ process = "constant", rate = {rate} }}
        sqs = {{ {sqs} }}
        "#
    )
}

/// A message that always fails is received `max_receive_count` times, one visibility timeout
/// apart, then moved to the dead-letter queue.
#[test]
fn sqs_poison_message_is_received_max_receive_count_times_then_dead_lettered() {
    let (s, rec) = record(&sqs_scenario(
        r#"batch_size = 1, visibility_timeout = "30s", max_receive_count = 4, poison_probability = 1.0"#,
        r#"duration = { dist = "constant", value = "200ms" }"#,
        0.1,
        "30m",
    ));
    let t = &s.total;
    assert_eq!(t.outcomes.total(), t.requests);
    assert_eq!(t.outcomes.succeeded, 0);
    let reqs = by_request(&rec);
    let mut full = 0;
    for atts in reqs.values() {
        assert!(atts.len() <= 4);
        for (i, a) in atts.iter().enumerate() {
            assert_eq!(a.attempt, i as u32 + 1);
            // Failed, or still running when the run ended.
            let last = i + 1 == atts.len();
            assert!(a.outcome == Outcome::Failed || (last && a.outcome == Outcome::InFlight));
            assert_eq!(a.start.unwrap().0 - a.arrival.0, 30 * S * i as u64);
        }
        full += (atts.len() == 4) as u64;
    }
    // Moved to the DLQ one visibility timeout after the 4th receive, unless the run ended first.
    assert!(t.outcomes.dead_lettered <= full && full <= t.outcomes.dead_lettered + 3);
    assert_eq!(t.outcomes.dead_lettered + t.outcomes.in_flight, t.requests);
    assert_eq!(t.attempts, rec.attempts.len() as u64);
}

/// One poison message in every tenth batch (a batching window fills batches of 10): without
/// partial batch responses its batch mates fail with it, those before it in the batch run again
/// (duplicates), and all of them end in the dead-letter queue together; with
/// `report_batch_item_failures` only the poison message returns, and nothing runs twice.
#[test]
fn partial_batch_failures_keep_good_messages_from_running_twice() {
    let run = |partial: bool| {
        record(&sqs_scenario(
            &format!(
                r#"batch_size = 10, visibility_timeout = "20s", batching_window = "1s", max_receive_count = 3, poison_probability = 0.01, report_batch_item_failures = {partial}"#
            ),
            r#"duration = { dist = "constant", value = "10ms" }"#,
            200.0,
            "20m",
        ))
    };
    let (whole, _) = run(false);
    let (partial, rec) = run(true);
    for s in [&whole, &partial] {
        assert_eq!(s.total.outcomes.total(), s.total.requests);
    }
    let poison = partial.total.outcomes.dead_lettered + partial.total.outcomes.in_flight;
    assert!(
        partial.total.duplicates == 0,
        "{}",
        partial.total.duplicates
    );
    // Only poison messages are redelivered: each at most 3 times.
    let reqs = by_request(&rec);
    let redelivered = reqs.values().filter(|a| a.len() > 1).count() as u64;
    assert!(redelivered <= poison);
    let dl = partial.total.outcomes.dead_lettered as f64;
    assert!(
        (dl - 0.01 * partial.total.requests as f64).abs() < 0.1 * dl,
        "{dl}"
    );
    // Whole-batch failure: batch mates share the poison message's fate (several good messages
    // dead-lettered per poison message), and those ahead of it in a batch run again.
    let ratio = whole.total.outcomes.dead_lettered as f64 / dl;
    let dup = whole.total.duplicates as f64 / dl;
    println!(
        "whole-batch failure: dead-lettered ×{ratio:.2}, {dup:.2} duplicates per poison message"
    );
    assert!((3.0..=10.5).contains(&ratio), "dead-lettered ×{ratio}");
    assert!(
        (2.0..=20.0).contains(&dup),
        "{dup} duplicates per poison message"
    );
}

/// A backlog of 200,000 messages and 1 s of work per message: the mapping starts at 5
/// concurrent batches and adds 300 a minute (5 a second), so after t seconds about 5 + 5t
/// batches run; with `maximum_concurrency` it stops there; with the legacy rule it adds 60 a
/// minute.
#[test]
fn sqs_pollers_scale_by_300_a_minute() {
    let busy_at = |extra: &str| {
        let text = format!(
            r#"
            [simulation]
            duration = "2m"
            sample_interval = "10s"
            max_backlog = 100000000
            [[functions]]
            name = "f"
            timeout = "30s"
            duration = {{ dist = "constant", value = "1s" }}
            [[workloads]]
            function = "f"
            invocation = "sqs"
            arrivals = {{ process = "constant", rate = 1000000 }}
            sqs = {{ batch_size = 1, visibility_timeout = "5m" {extra} }}
            [[workloads]]
            function = "f"
            invocation = "sync"
            arrivals = {{ process = "constant", rate = 0.001 }}
            "#
        );
        let (_, rec) = record(&text.replace("rate = 1000000", "rate = 100000"));
        rec.rows.iter().map(|r| r.busy).collect::<Vec<f64>>()
    };
    let current = busy_at("");
    // Interval k spans [10k, 10k + 10) s: about 5 + 5 (10k + 5) batches on average.
    for (k, b) in current.iter().enumerate().take(10) {
        let want = 5.0 + 5.0 * (10.0 * k as f64 + 5.0);
        assert!(
            (b - want).abs() <= 0.05 * want + 3.0,
            "interval {k}: {b} busy vs {want}"
        );
    }
    let capped = busy_at(", maximum_concurrency = 100");
    assert!(capped.iter().all(|&b| b <= 100.0 + 1e-9));
    assert!(capped[5] > 99.0);
    let legacy = busy_at(r#", scaling = "legacy""#);
    for (k, b) in legacy.iter().enumerate().take(10) {
        let want = 5.0 + (10.0 * k as f64 + 5.0);
        assert!(
            (b - want).abs() <= 0.05 * want + 2.0,
            "legacy interval {k}: {b} busy vs {want}"
        );
    }
}

/// Messages whose work is 2^63 ns and 5 ms: a batch of two adds up to more than 2^64 ns and
/// must saturate, not wrap around to a 10 ms batch that "succeeds". Every batch times out; no
/// message succeeds, and the outcomes add up to the messages.
#[test]
fn a_batch_of_enormous_work_times_out_and_never_wraps() {
    let (s, rec) = record(
        r#"
        [simulation]
        duration = "5m"
        [[functions]]
        name = "f"
        timeout = "10s"
        duration = { dist = "constant", value = "9223372036859775808ns" }
        [[workloads]]
        function = "f"
        invocation = "sqs"
        arrivals = { process = "poisson", rate = 50 }
        [workloads.sqs]
        batch_size = 2
        batching_window = "2s"
        visibility_timeout = "60s"
        report_batch_item_failures = true
        "#,
    );
    let o = &s.total.outcomes;
    assert_eq!(o.succeeded, 0, "{o:?}");
    assert_eq!(o.total(), s.total.requests, "{o:?}");
    assert!(rec.attempts.iter().all(|a| a.outcome != Outcome::Succeeded));
    assert!(rec.attempts.iter().any(|a| a.outcome == Outcome::TimedOut));
}
