//! The building blocks of the facts model: a [`Fact`] is a value plus its [`Evidence`];
//! [`fact_group!`] declares a typed group of facts once and derives from that one
//! declaration the struct, its JSON form, the catalog of field names and types the rule
//! loader validates against, and the lookup the rule engine evaluates with.
//!
//! Where several sources speak of one fact, the fact keeps them all: sources that agree
//! pool their [`Evidence`]; a source that observed something else is kept as a
//! [`Disagreement`] beside the value, and every finding that rests on the fact shows it.

use serde::Serialize;
use std::fmt;

/// Where a fact was read, precisely enough to open the file and find it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Evidence {
    /// Path of the artifact inside the snapshot.
    pub artifact: String,
    /// 1-based line in the artifact, when the evidence is a line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// What inside the artifact: `HKLM\...\Key\ValueName`, a command field, a step id.
    pub locator: String,
    /// What was there, as the engineer would see it (`dword:00000a80 (2688)`, `not set`).
    pub seen: String,
}

/// What one source observed, when it is not the value a fact took.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Observation {
    /// The value as that source shows it (`proxy proxy.contoso.com:8080`, `disabled (4)`).
    pub value: String,
    pub sources: Vec<Evidence>,
}

/// Two or more sources observed different values for one fact. The fact's value is the
/// preferred source's; the others are kept here, never dropped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Disagreement {
    /// The source the value comes from, and the value as it shows it.
    pub used: String,
    /// Why the merge prefers that source.
    pub why: String,
    /// What the other sources observed.
    pub others: Vec<Observation>,
}

/// One fact: a value and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fact<T> {
    pub value: T,
    pub evidence: Vec<Evidence>,
    /// How a derived fact was reached, or which default applied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Sources that observed something else (see [`Disagreement`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disagreement: Option<Disagreement>,
}

impl<T> Fact<T> {
    pub fn new(value: T, evidence: Vec<Evidence>) -> Self {
        Fact {
            value,
            evidence,
            note: None,
            disagreement: None,
        }
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }

    /// Records that other sources observed something else.
    pub fn with_disagreement(mut self, disagreement: Option<Disagreement>) -> Self {
        self.disagreement = disagreement;
        self
    }
}

/// The provenance of a fact of any type, for passes over the whole model (the registry
/// files that disagree about a value the fact was read from).
pub trait Provenance {
    fn evidence(&self) -> &[Evidence];
    fn disagreement_mut(&mut self) -> &mut Option<Disagreement>;
}

impl<T> Provenance for Fact<T> {
    fn evidence(&self) -> &[Evidence] {
        &self.evidence
    }

    fn disagreement_mut(&mut self) -> &mut Option<Disagreement> {
        &mut self.disagreement
    }
}

/// A fact value as the rule engine sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Bool(bool),
    Int(i64),
    Text(String),
    List(Vec<String>),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Text(s) => write!(f, "{s:?}"),
            Value::List(l) => write!(f, "{l:?}"),
        }
    }
}

/// The type of a fact, checked when a rule is loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Bool,
    Int,
    Text,
    List,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Bool => "bool",
            Kind::Int => "int",
            Kind::Text => "text",
            Kind::List => "list",
        })
    }
}

/// Rust types a fact can hold.
pub trait FactType {
    const KIND: Kind;
    fn to_value(&self) -> Value;
}

impl FactType for bool {
    const KIND: Kind = Kind::Bool;
    fn to_value(&self) -> Value {
        Value::Bool(*self)
    }
}

impl FactType for i64 {
    const KIND: Kind = Kind::Int;
    fn to_value(&self) -> Value {
        Value::Int(*self)
    }
}

impl FactType for String {
    const KIND: Kind = Kind::Text;
    fn to_value(&self) -> Value {
        Value::Text(self.clone())
    }
}

impl FactType for Vec<String> {
    const KIND: Kind = Kind::List;
    fn to_value(&self) -> Value {
        Value::List(self.clone())
    }
}

/// One field of a fact group, for the catalog.
#[derive(Debug, Clone, Copy)]
pub struct FieldDef {
    pub name: &'static str,
    pub kind: Kind,
    pub doc: &'static str,
}

/// A fact seen through the engine's eyes.
#[derive(Debug, Clone)]
pub struct FactRef<'a> {
    pub value: Value,
    pub evidence: &'a [Evidence],
    pub note: Option<&'a str>,
    pub disagreement: Option<&'a Disagreement>,
}

/// A typed group of facts (`os`, `tls`, one service...).
pub trait FactGroup {
    const FIELDS: &'static [FieldDef];
    fn get(&self, field: &str) -> Option<FactRef<'_>>;
    /// Calls `f` with every fact present.
    fn each_mut(&mut self, f: &mut dyn FnMut(&mut dyn Provenance));
}

impl<T: FactType> Fact<T> {
    pub fn as_ref_dyn(&self) -> FactRef<'_> {
        FactRef {
            value: self.value.to_value(),
            evidence: &self.evidence,
            note: self.note.as_deref(),
            disagreement: self.disagreement.as_ref(),
        }
    }
}

/// Declares a fact group: every field is an `Option<Fact<T>>` (absent: the snapshot does
/// not say), with a one-line doc comment that becomes its catalog description.
macro_rules! fact_group {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( #[doc = $doc:literal] $field:ident : $ty:ty ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
        pub struct $name {
            $(
                #[doc = $doc]
                #[serde(skip_serializing_if = "Option::is_none")]
                pub $field: Option<$crate::facts::model::Fact<$ty>>,
            )*
        }

        impl $crate::facts::model::FactGroup for $name {
            const FIELDS: &'static [$crate::facts::model::FieldDef] = &[
                $(
                    $crate::facts::model::FieldDef {
                        name: stringify!($field),
                        kind: <$ty as $crate::facts::model::FactType>::KIND,
                        doc: $doc.trim_ascii(),
                    },
                )*
            ];

            fn get(&self, field: &str) -> Option<$crate::facts::model::FactRef<'_>> {
                match field {
                    $( stringify!($field) => self.$field.as_ref().map(|f| f.as_ref_dyn()), )*
                    _ => None,
                }
            }

            fn each_mut(
                &mut self,
                f: &mut dyn FnMut(&mut dyn $crate::facts::model::Provenance),
            ) {
                $( if let Some(x) = self.$field.as_mut() { f(x) } )*
            }
        }
    };
}

pub(crate) use fact_group;
