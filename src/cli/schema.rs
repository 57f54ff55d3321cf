//! `faasim schema`: the JSON Schema of scenario files (or, with `--sweep`, of sweep files).

use super::{Exit, print_out};
use clap::Args;

/// The options of `faasim schema`.
#[derive(Args)]
pub struct SchemaArgs {
    /// The schema of sweep files instead.
    #[arg(long)]
    pub sweep: bool,
}

pub fn schema(args: &SchemaArgs) -> Result<(), Exit> {
    print_out(&text(args.sweep));
    Ok(())
}

/// The JSON Schema of scenario files (or sweep files), pretty-printed.
fn text(sweep: bool) -> String {
    let mut s = if sweep {
        schemars::schema_for!(crate::sweep::config::SweepFile)
    } else {
        let mut s = schemars::schema_for!(sim_core::Scenario);
        // `function_defaults` is read before the scenario proper (src/input/trace_functions.rs):
        // the keys of a function, less its name, for every function made from a trace.
        if let Some(props) = s.get_mut("properties").and_then(|p| p.as_object_mut()) {
            props.insert(
                "function_defaults".into(),
                serde_json::json!({
                    "description": "Keys every function made from a trace starts from (any key of [[functions]] but name); functions written by hand win.",
                    "$ref": "#/$defs/Function"
                }),
            );
        }
        s
    };
    s.insert(
        "title".into(),
        (if sweep {
            "faasim sweep file"
        } else {
            "faasim scenario file"
        })
        .into(),
    );
    let mut text = serde_json::to_string_pretty(&s).expect("a schema is JSON");
    text.push('\n');
    text
}
