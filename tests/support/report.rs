//! Reading the probe's JSON report in tests: parse it and validate it against the schema that
//! ships in docs/, so that every test that reads JSON also proves the schema.

use serde_json::Value;

const SCHEMA: &str = include_str!("../../docs/report.schema.json");

/// Parses one JSON report and panics, listing every violation, if it does not match the schema.
pub fn parse_valid(stdout: &str) -> Value {
    let instance: Value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("stdout is not one JSON object ({e}):\n{stdout}"));
    let schema: Value = serde_json::from_str(SCHEMA).expect("the schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "the report does not match docs/report.schema.json:\n{}\n{stdout}",
        errors.join("\n")
    );
    instance
}

/// The steps of a whole publish session, in the order a report lists them.
pub const PUBLISH_STEPS: [&str; 8] = [
    "dns",
    "tcp_connect",
    "handshake",
    "connect",
    "create_stream",
    "publish",
    "verify",
    "unpublish",
];

/// The names of the steps in a report, in order.
pub fn step_names(report: &Value) -> Vec<String> {
    report["steps"]
        .as_array()
        .map(|steps| {
            steps
                .iter()
                .filter_map(|s| s["name"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}
