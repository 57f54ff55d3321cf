//! CloudWatch alarms: ALARM exactly after M of N breaching periods plus the evaluation delay,
//! the treatments of missing data, a reserved-concurrency action in effect at the alarm time,
//! and each incident's detection and the false alarms.

mod common;
use common::*;
use sim_core::{Nanos, Observer, RequestRecord, Simulation};

#[derive(Default)]
struct Seen {
    attempts: Vec<RequestRecord>,
    changes: Vec<(f64, String, String, String)>,
    scaling: Vec<(f64, u32, u32, String)>,
}

impl Observer for Seen {
    fn wants_requests(&self) -> bool {
        true
    }
    fn request(&mut self, r: &RequestRecord) {
        self.attempts.push(*r);
    }
    fn scaling(&mut self, t: Nanos, _f: u32, from: u32, to: u32, why: &str) {
        self.scaling.push((t.as_secs_f64(), from, to, why.into()));
    }
    fn alarm(&mut self, t: Nanos, alarm: &str, from: &str, to: &str, _m: &str) {
        self.changes
            .push((t.as_secs_f64(), alarm.into(), from.into(), to.into()));
    }
}

/// Function `api` (10 requests a second, 50 ms) fails every request from 600 s to 1,200 s;
/// an alarm on its errors (sum of a minute ≥ 5) with `extra` keys.
fn stepped(extra: &str, actions: &str) -> String {
    format!(
        r#"[simulation]
duration = "40m"
sample_interval = "10s"

[[functions]]
name = "api"
duration = {{ dist = "constant", value = "50ms" }}
reserved_concurrency = 100

[[workloads]]
function = "api"
arrivals = {{ process = "constant", rate = 10.0 }}

[[incidents]]
name = "outage"
start = "600s"
end = "1200s"
functions = ["api"]
error_probability = 1.0

[[alarms]]
name = "errors"
metric = "errors"
of = "api"
statistic = "sum"
period = "60s"
threshold = 5
{extra}
{actions}
"#
    )
}

fn seen(text: &str) -> (sim_core::Summary, Seen) {
    let mut s = Seen::default();
    let out = Simulation::new(&scenario(text), &sim_core::NoFiles)
        .expect("valid")
        .run(&mut s)
        .expect("runs");
    (out.summary, s)
}

#[test]
fn an_alarm_enters_alarm_after_m_of_n_breaching_periods_plus_its_delay() {
    for (n, m, delay, want) in [
        (3, 3, 0.0, 780.0),
        (3, 2, 0.0, 720.0),
        (1, 1, 0.0, 660.0),
        (3, 3, 45.0, 825.0),
    ] {
        let extra = format!(
            "evaluation_periods = {n}\ndatapoints_to_alarm = {m}\nevaluation_delay = \"{delay}s\""
        );
        let (s, seen) = seen(&stepped(&extra, ""));
        let a = s.alarms.get("errors").unwrap();
        assert_eq!(a.first_alarm_s, Some(want), "{m} of {n}, delay {delay}");
        let first = seen.changes.iter().find(|c| c.3 == "ALARM").unwrap();
        assert_eq!(first.0, want);
        // Back to OK once fewer than M of the last N datapoints breach: N − M + 1 periods
        // after the incident, plus the delay.
        let ok = seen
            .changes
            .iter()
            .find(|c| c.0 > want && c.3 == "OK")
            .expect("back to OK");
        let back = 1200.0 + 60.0 * (n - m + 1) as f64 + delay;
        assert_eq!(ok.0, back, "{m} of {n}: {:?}", seen.changes);
        assert_eq!(a.alarms, 1);
        assert_eq!(a.incidents[0].detection_delay_s, Some(want - 600.0));
        assert!(a.incidents[0].fired);
        assert_eq!(a.false_alarms, 0);
    }
}

#[test]
fn missing_data_is_treated_as_each_setting_says() {
    // No traffic at all: every datapoint of Errors is missing.
    for (treat, want) in [
        ("missing", "INSUFFICIENT_DATA"),
        ("breaching", "ALARM"),
        ("notBreaching", "OK"),
        ("ignore", "INSUFFICIENT_DATA"),
    ] {
        let text = stepped(
            &format!("treat_missing_data = \"{treat}\"\nevaluation_periods = 2"),
            "",
        )
        .replace("rate = 10.0", "rate = 10.0, start = \"3000s\"");
        let (s, _) = seen(&text);
        assert_eq!(
            s.alarms.get("errors").unwrap().state_at_end,
            want,
            "{treat}"
        );
    }
    // Traffic stops before the incident ends: `ignore` keeps ALARM, `breaching` too,
    // `notBreaching` returns to OK, and `missing` goes to INSUFFICIENT_DATA once the whole
    // evaluation range is missing.
    for (treat, want) in [
        ("ignore", "ALARM"),
        ("breaching", "ALARM"),
        ("notBreaching", "OK"),
        ("missing", "INSUFFICIENT_DATA"),
    ] {
        let text = stepped(&format!("treat_missing_data = \"{treat}\""), "")
            .replace("rate = 10.0", "rate = 10.0, end = \"1190s\"");
        let (s, _) = seen(&text);
        assert_eq!(
            s.alarms.get("errors").unwrap().state_at_end,
            want,
            "{treat}"
        );
    }
}

#[test]
fn a_reserved_concurrency_action_throttles_from_the_alarm_time() {
    let actions = r#"actions = [{ type = "notify" }, { type = "reserved-concurrency", function = "api", value = 0 }]
ok_actions = [{ type = "notify" }]"#;
    let (s, seen) = seen(&stepped("evaluation_periods = 3", actions));
    let a = s.alarms.get("errors").unwrap();
    assert_eq!(a.first_alarm_s, Some(780.0));
    // Every request from 780 s on is throttled (the kill switch); none before it. A throttled
    // invocation reports no error: the next minute's datapoint is 0, and the alarm returns to
    // OK (its OK action notifies; nothing restores the concurrency).
    for r in &seen.attempts {
        let t = r.arrival.as_secs_f64();
        let throttled = r.outcome == sim_core::Outcome::Throttled;
        assert_eq!(throttled, t >= 780.0, "request at {t}");
    }
    let ok: Vec<f64> = seen
        .changes
        .iter()
        .filter(|c| c.3 == "OK")
        .map(|c| c.0)
        .collect();
    assert_eq!(ok.last(), Some(&840.0), "{:?}", seen.changes);
    assert_eq!(a.notifications, 2);
}

#[test]
fn an_alarm_on_noise_fires_outside_the_incident() {
    // 5 % errors all along: a minute of 600 requests has about 30; a threshold of 25 fires
    // now and then outside the incident.
    let text = stepped("evaluation_periods = 1", "")
        .replace("threshold = 5", "threshold = 36")
        .replace(
            "reserved_concurrency = 100",
            "reserved_concurrency = 100\nerror_probability = 0.05",
        );
    let (s, _) = seen(&text);
    let a = s.alarms.get("errors").unwrap();
    assert!(a.incidents[0].fired);
    assert!(a.false_alarms >= 1, "{a:?}");
    assert!(a.alarms > a.false_alarms);
}

#[test]
fn bad_alarms_exit_2_naming_the_key() {
    let dir = temp_dir("alarm-bad");
    for (from, to, key) in [
        (
            "period = \"60s\"",
            "period = \"45s\"",
            "alarms.errors.period",
        ),
        (
            "period = \"60s\"",
            "period = \"15s\"",
            "alarms.errors.period",
        ),
        ("of = \"api\"", "of = \"nobody\"", "alarms.errors.of"),
        (
            "threshold = 5",
            "threshold = 5\ndatapoints_to_alarm = 4",
            "alarms.errors.datapoints_to_alarm",
        ),
        (
            "metric = \"errors\"",
            "metric = \"table_throttles\"",
            "alarms.errors.of",
        ),
    ] {
        let text = stepped("", "").replacen(from, to, 1);
        std::fs::write(dir.join("a.toml"), &text).unwrap();
        let o = faasim(&["validate", "a.toml"], &dir);
        assert_eq!(o.status.code(), Some(2), "{to}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(key), "{key}: {err}");
    }
    let text = stepped(
        "",
        r#"actions = [{ type = "reserved-concurrency", function = "api", value = 0 }]"#,
    )
    .replace("reserved_concurrency = 100\n", "");
    std::fs::write(dir.join("a.toml"), &text).unwrap();
    let o = faasim(&["validate", "a.toml"], &dir);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("alarms.errors.actions.0.function"));
}

#[test]
fn an_incident_that_starts_while_the_alarm_is_in_alarm_counts_as_detected_at_once() {
    // A second outage right after the first: the alarm is in ALARM already.
    let text = stepped("evaluation_periods = 3", "").replace(
        "[[alarms]]",
        "[[incidents]]\nname = \"second\"\nstart = \"1200s\"\nend = \"1500s\"\nfunctions = [\"api\"]\nerror_probability = 1.0\n\n[[alarms]]",
    );
    let (s, _) = seen(&text);
    let a = s.alarms.get("errors").unwrap();
    assert_eq!(a.alarms, 1);
    let second = &a.incidents[1];
    assert_eq!(second.incident, "second");
    assert!(second.fired && second.already_in_alarm);
    assert_eq!(second.detection_delay_s, Some(0.0));
    assert!(!a.incidents[0].already_in_alarm);
    // Out of ALARM three periods after the second outage.
    assert_eq!(a.time_in_alarm_s, 1560.0 - 780.0);
}

#[test]
fn a_sweep_compares_alarms_by_threshold() {
    let dir = temp_dir("alarm-sweep");
    std::fs::write(dir.join("s.toml"), stepped("evaluation_periods = 3", "")).unwrap();
    std::fs::write(
        dir.join("t.sweep.toml"),
        "base = \"s.toml\"\n[grid]\n\"alarms.errors.threshold\" = [5, 100000]\n",
    )
    .unwrap();
    let o = faasim(&["sweep", "t.sweep.toml", "--out", "out", "-q"], &dir);
    ok(&o);
    let text = std::fs::read_to_string(dir.join("out/comparison.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).expect(name);
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let (d, delay, f) = (
        col("alarm.errors.detected"),
        col("alarm.errors.detection_delay_s"),
        col("alarm.errors.false_alarms"),
    );
    // Threshold 5: the outage detected after three minutes; 100,000: never (no delay).
    assert_eq!((rows[0][d], rows[0][delay], rows[0][f]), ("1", "180", "0"));
    assert_eq!((rows[1][d], rows[1][delay], rows[1][f]), ("0", "", "0"));
}

#[test]
fn a_desired_capacity_action_sets_the_group_at_the_alarm_time() {
    // One instance in service: a datapoint below 2 alarms at 60 s, which sets the desired
    // capacity to 4; the three launched are in service 30 s later (90 s), so the minimum of the
    // minute to 120 s is still 1, and the alarm returns to OK at 180 s.
    let text = r#"
        [simulation]
        duration = "10m"
        sample_interval = "10s"
        [[functions]]
        name = "web"
        platform = "asg"
        duration = { dist = "constant", value = "10ms" }
        [functions.asg]
        min = 1
        max = 10
        launch_time = { dist = "constant", value = "30s" }
        [[workloads]]
        function = "web"
        arrivals = { process = "poisson", rate = 1 }
        [[alarms]]
        name = "capacity"
        metric = "in_service"
        of = "web"
        statistic = "minimum"
        period = "60s"
        threshold = 2
        comparison = "<"
        actions = [{ type = "desired-capacity", function = "web", value = 4 }]
    "#;
    let (s, seen) = seen(text);
    let alarm: Vec<(f64, &str)> = seen.changes.iter().map(|c| (c.0, c.3.as_str())).collect();
    assert_eq!(alarm, vec![(60.0, "ALARM"), (180.0, "OK")]);
    assert_eq!(seen.scaling, vec![(60.0, 1, 4, "alarm".to_string())]);
    let g = s.functions.get("web").unwrap().asg.clone().unwrap();
    assert_eq!((g.launches, g.desired), (3, 4));
}

#[test]
fn an_alarm_during_the_next_incident_is_not_credited_to_the_one_before() {
    // A short burst of errors (600–650 s), then another incident from 660 s: the alarm (2 of 2
    // minutes) enters ALARM at 720 s, inside the first incident's look-back but after the
    // second began: it answers the second, after 60 s, and misses the first.
    let text = stepped("evaluation_periods = 2", "")
        .replace("end = \"1200s\"", "end = \"650s\"")
        .replace(
            "[[alarms]]",
            "[[incidents]]\nname = \"second\"\nstart = \"660s\"\nend = \"900s\"\nfunctions = [\"api\"]\nerror_probability = 1.0\n\n[[alarms]]",
        );
    let (s, _) = seen(&text);
    let a = s.alarms.get("errors").unwrap();
    assert_eq!(a.first_alarm_s, Some(720.0));
    assert!(!a.incidents[0].fired, "{a:?}");
    assert_eq!(a.incidents[1].detection_delay_s, Some(60.0));
    assert_eq!(a.false_alarms, 0);
}
