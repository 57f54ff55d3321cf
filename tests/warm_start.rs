//! Starting warm: on-demand environments idle at time 0 (`initial_instances`), kept by the
//! keep-alive policy as if they had just finished, and provisioned concurrency allocated before
//! the run (`provisioned_ready_at_start`).

mod common;
use common::record;

const S: u64 = 1_000_000_000;

/// One request a second of 100 ms, so one environment serves them all.
fn scenario(extra: &str, start: &str) -> String {
    format!(
        r#"
        [simulation]
        duration = "20m"
        sample_interval = "1m"
        [[functions]]
        name = "api"
        duration = {{ dist = "constant", value = "100ms" }}
        cold_start = {{ dist = "constant", value = "400ms" }}
        keep_alive = "10m"
        {extra}
        [[workloads]]
        function = "api"
        arrivals = {{ process = "constant", rate = 1, start = "{start}" }}
        "#
    )
}

/// With three environments warm at 0 and a 10-minute keep-alive: no cold start; the two never
/// used are reclaimed exactly 10 minutes after time 0 (alive 3 through minute 10, then 1).
#[test]
fn initial_environments_serve_warm_and_expire_by_the_keep_alive() {
    let (s, rec) = record(&scenario("initial_instances = 3", "0s"));
    assert_eq!(s.total.cold_starts, 0);
    assert!(rec.attempts.iter().all(|a| !a.cold));
    let end_of = |minute: usize| rec.rows[minute - 1].instances_end;
    assert_eq!(end_of(1), 3);
    assert_eq!(end_of(9), 3);
    assert_eq!(end_of(11), 1);
    // Without them, the first request is the only cold start.
    let (s, _) = record(&scenario("", "0s"));
    assert_eq!(s.total.cold_starts, 1);
}

/// Traffic that begins after the keep-alive has run out finds no warm environment: the initial
/// ones were idle since time 0.
#[test]
fn initial_environments_expire_before_late_traffic() {
    let (s, rec) = record(&scenario("initial_instances = 2", "11m"));
    assert_eq!(s.total.cold_starts, 1);
    let first = rec.attempts.iter().min_by_key(|a| a.arrival).unwrap();
    assert!(first.cold && first.arrival.0 >= 11 * 60 * S);
}

/// The random keep-alive policy draws each initial environment's idle lifetime: with a
/// constant lifetime of 5 minutes, they are gone after 5 minutes.
#[test]
fn initial_environments_follow_the_keep_alive_policy() {
    let (_, rec) = record(&scenario(
        "initial_instances = 4\nkeep_alive_policy = \"random\"\nidle_ttl = { dist = \"constant\", value = \"5m\" }",
        "12m",
    ));
    assert_eq!(rec.rows[3].instances_end, 4);
    assert_eq!(rec.rows[5].instances_end, 0);
}

/// Provisioned concurrency ready at start serves the first request warm; requested at time 0,
/// it is allocated after its delay and the first requests run on demand.
#[test]
fn provisioned_concurrency_can_be_ready_at_start() {
    let pc = "provisioned_concurrency = 2\nprovisioned_ready_at_start = true";
    let (s, rec) = record(&scenario(pc, "0s"));
    assert_eq!(s.total.cold_starts, 0);
    assert!(rec.attempts.iter().all(|a| !a.cold));
    assert_eq!(rec.rows[0].provisioned, 2);
    let (s, rec) = record(&scenario("provisioned_concurrency = 2", "0s"));
    assert_eq!(
        s.total.cold_starts, 1,
        "one on-demand cold start before allocation"
    );
    assert_eq!(rec.rows[0].provisioned, 0);
}
