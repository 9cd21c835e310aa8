//! Checks of the snapshot as a whole: whether its artifacts are what the collector wrote
//! (sizes and digests against the manifest, files it records that are missing), and whether
//! anything in it could be read at all.

use super::ArtifactInfo;
use crate::classify::ArtifactKind;
use crate::facts::Inputs;
use crate::parse::manifest::Step;
use crate::problem::Problem;
use crate::snapshot::{Artifact, Snapshot};
use std::collections::BTreeSet;

/// The artifacts to check against the manifest, with the step that wrote each (not the
/// files a collection step left unfinished).
pub(super) fn to_verify<'a>(
    snapshot: &'a Snapshot,
    inputs: &Inputs,
    unfinished: &BTreeSet<String>,
) -> Vec<(&'a Artifact, Step)> {
    snapshot
        .artifacts
        .iter()
        .filter(|a| !unfinished.contains(&a.path))
        .filter_map(|a| {
            let step = inputs.step_for(&a.path)?;
            (step.size.is_some() || step.sha256.is_some()).then(|| (a, step.clone()))
        })
        .collect()
}

/// The artifacts that are not what the collector wrote.
pub(super) fn verify(checks: &[(&Artifact, Step)]) -> Vec<Problem> {
    checks
        .iter()
        .filter_map(|(a, step)| crate::integrity::check(a, step))
        .collect()
}

/// The files the manifest records that the snapshot lacks.
pub(super) fn missing(snapshot: &Snapshot, inputs: &Inputs) -> Option<Problem> {
    let (manifest_path, manifest) = inputs.manifest.as_ref()?;
    let present: Vec<&str> = snapshot
        .artifacts
        .iter()
        .map(|a| a.path.as_str())
        .chain(
            snapshot
                .problems
                .iter()
                .filter_map(|p| p.artifact.as_deref()),
        )
        .collect();
    crate::integrity::missing(manifest_path, manifest, &present)
}

/// What became of the files when none of them is an artifact caadoctor reads.
pub(super) fn nothing_read(
    snapshot: &Snapshot,
    artifacts: &[ArtifactInfo],
    unfinished: &BTreeSet<String>,
) -> Option<String> {
    let read = |a: &&ArtifactInfo| a.kind != ArtifactKind::Unknown && !unfinished.contains(&a.path);
    if artifacts.iter().any(|a| read(&a)) {
        return None;
    }
    Some(snapshot.tally.describe(&[
        (
            artifacts.len().saturating_sub(unfinished.len()),
            "not recognised",
        ),
        (unfinished.len(), "left unfinished by the collector"),
    ]))
}
