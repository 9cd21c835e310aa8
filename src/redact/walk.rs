//! Every string of a document that can hold what the snapshot said: the report model, the
//! facts document (as JSON) and a bulk record. Texts that come from caadoctor itself — rule
//! titles, explanations and steps, fact names, what to collect — and every status are not
//! visited, so redaction cannot change them.

use crate::analysis::{ArtifactInfo, SnapshotInfo};
use crate::bulk::record::Record;
use crate::facts::{Disagreement, Evidence, Value};
use crate::problem::Problem;
use crate::report::Report;
use crate::report::probes::{Cell, ProbeMatrix};
use crate::report::timeline::Timeline;
use crate::rules::{FactEvidence, Finding};

/// A document whose strings can be rewritten in place.
pub trait Strings {
    fn each_string(&mut self, f: &mut dyn FnMut(&mut String));
}

impl Strings for String {
    fn each_string(&mut self, f: &mut dyn FnMut(&mut String)) {
        f(self)
    }
}

impl<T: Strings> Strings for Option<T> {
    fn each_string(&mut self, f: &mut dyn FnMut(&mut String)) {
        if let Some(x) = self {
            x.each_string(f);
        }
    }
}

impl<T: Strings> Strings for Vec<T> {
    fn each_string(&mut self, f: &mut dyn FnMut(&mut String)) {
        for x in self {
            x.each_string(f);
        }
    }
}

/// `impl Strings` visiting the named fields.
macro_rules! strings {
    ($ty:ty { $($field:ident),* $(,)? }) => {
        impl Strings for $ty {
            fn each_string(&mut self, f: &mut dyn FnMut(&mut String)) {
                $( self.$field.each_string(f); )*
            }
        }
    };
}

strings!(Evidence {
    artifact,
    locator,
    seen
});
strings!(crate::facts::Observation { value, sources });
strings!(Disagreement { used, why, others });
strings!(FactEvidence {
    value,
    note,
    sources,
    disagreement
});
// Titles, article sections, remediation and what to collect are the rule's own words.
strings!(Finding { messages, evidence });
strings!(Problem { artifact, message });
strings!(ArtifactInfo { path, note });
strings!(SnapshotInfo {
    source,
    collected_at,
    host,
    user,
    os,
    office,
    collector,
    notes
});
strings!(Timeline { logs, latest });
strings!(crate::report::timeline::AttemptView { sources });
strings!(Cell { text });
strings!(crate::report::probes::ProbeRow {
    url,
    dns,
    tcp,
    winhttp,
    wininet
});
strings!(ProbeMatrix {
    artifact,
    started,
    rows
});
strings!(Report {
    snapshot,
    findings,
    problems,
    artifacts,
    timeline,
    probes
});
strings!(Record {
    source,
    error,
    host,
    collected_at,
    os,
    problems
});

impl Strings for Value {
    fn each_string(&mut self, f: &mut dyn FnMut(&mut String)) {
        match self {
            Value::Text(s) => f(s),
            Value::List(l) => l.each_string(f),
            Value::Bool(_) | Value::Int(_) => {}
        }
    }
}

/// A JSON document (the facts document): every string value; keys are caadoctor's names.
impl Strings for serde_json::Value {
    fn each_string(&mut self, f: &mut dyn FnMut(&mut String)) {
        match self {
            serde_json::Value::String(s) => f(s),
            serde_json::Value::Array(a) => {
                for v in a {
                    v.each_string(f);
                }
            }
            serde_json::Value::Object(o) => {
                for (_, v) in o.iter_mut() {
                    v.each_string(f);
                }
            }
            _ => {}
        }
    }
}
