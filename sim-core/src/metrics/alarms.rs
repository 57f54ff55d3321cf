//! An alarm's entry in `summary.json` (`alarms`): how often and how long it was in ALARM, its
//! notifications, and for a planner its quality: each incident detected or not, how late, and
//! the alarms outside any incident.

use serde::Serialize;

/// A CloudWatch alarm over the whole run (warmup included).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct AlarmMetrics {
    pub metric: String,
    /// The function, group, table or workflow measured.
    pub of: String,
    pub state_at_end: &'static str,
    /// Times it entered ALARM.
    pub alarms: u64,
    pub time_in_alarm_s: f64,
    /// When it first entered ALARM, in simulated seconds.
    pub first_alarm_s: Option<f64>,
    pub notifications: u64,
    /// Times it entered ALARM outside every incident (and its look-back after one).
    pub false_alarms: u64,
    pub incidents: Vec<AlarmIncident>,
}

/// Whether an alarm answered an incident.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct AlarmIncident {
    pub incident: String,
    /// It was in ALARM during the incident, or within its look-back (N periods and the
    /// evaluation delay, cut short where the next incident begins) after it ended.
    pub fired: bool,
    /// It was in ALARM already when the incident started (for another cause).
    pub already_in_alarm: bool,
    /// From the incident's start to the first time in ALARM (0 if already in ALARM), seconds.
    pub detection_delay_s: Option<f64>,
}
