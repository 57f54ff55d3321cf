//! The runtime presets: init durations measured for each runtime and package type (the daily
//! cold-start benchmark lambda-perf, docs/sources.md: S70), and what each runtime allows.
//!
//! Figures are the pooled median and 99th percentile of the benchmark's raw `Init Duration`
//! samples from 2026-07-01 to 2026-08-22 (about 500 cold starts each) of a hello-world function
//! at 128 MB on x86_64: a lower bound for real code, which `package_mb` raises. Init did not
//! change with memory from 128 to 1,024 MB in the same data.

use super::compute::{Runtime, SnapCharge};

/// Every runtime preset: init median and 99th percentile in ms for a .zip package and for a
/// container image.
pub static RUNTIMES: [Runtime; 11] = [
    r(
        "python3.12",
        (84.9, 135.0),
        (150.1, 372.7),
        true,
        Some(SnapCharge::Charged),
    ),
    r(
        "python3.13",
        (85.7, 168.7),
        (158.4, 375.7),
        true,
        Some(SnapCharge::Charged),
    ),
    r(
        "python3.14",
        (109.3, 272.2),
        (178.2, 438.5),
        true,
        Some(SnapCharge::Charged),
    ),
    r("nodejs20.x", (142.8, 203.1), (265.1, 775.8), true, None),
    r("nodejs22.x", (141.2, 199.4), (292.3, 846.1), true, None),
    r("nodejs24.x", (136.4, 205.7), (279.3, 795.5), true, None),
    r(
        "java21",
        (239.8, 602.7),
        (337.0, 799.0),
        true,
        Some(SnapCharge::Free),
    ),
    r(
        "dotnet8",
        (252.2, 649.8),
        (399.1, 823.1),
        true,
        Some(SnapCharge::Charged),
    ),
    r("ruby3.3", (235.1, 475.0), (278.2, 508.2), true, None),
    r(
        "provided.al2023-rust",
        (15.9, 52.1),
        (34.7, 95.5),
        false,
        None,
    ),
    r(
        "provided.al2023-go",
        (50.0, 74.4),
        (46.7, 131.4),
        false,
        None,
    ),
];

const fn r(
    name: &'static str,
    zip: (f64, f64),
    image: (f64, f64),
    managed: bool,
    snapstart: Option<SnapCharge>,
) -> Runtime {
    Runtime {
        name,
        zip,
        image,
        managed,
        snapstart,
    }
}
