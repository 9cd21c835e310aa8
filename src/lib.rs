//! caadoctor: finds why Microsoft 365 Apps activation fails with 0xCAA70007 / 0xCAA80000
//! from a support snapshot of the failing PC.
//!
//! Data flows one way: [`snapshot`] (zip or folder, bounded, in memory) → [`decode`] and
//! [`classify`] (what each file is, by content) → [`parse`] (one parser per kind) →
//! [`registry`] (all `.reg` files as one view) → [`facts`] (the machine model, with
//! evidence) → [`rules`] (judgement, from `analyzers/*.toml`) → [`report`].
#![forbid(unsafe_code)]

pub mod analysis;
pub mod bulk;
pub mod classify;
pub mod codes;
pub mod collection;
pub mod collector;
pub mod date;
pub mod decode;
pub mod diff;
pub mod endpoints;
pub mod facts;
pub mod fix;
pub mod fleet;
pub mod integrity;
pub mod parse;
pub mod problem;
pub mod redact;
pub mod registry;
pub mod report;
pub mod rules;
pub mod snapshot;
pub mod tls_issuers;
