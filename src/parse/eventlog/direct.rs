//! A kept record built into an [`Event`] from its template and substitution values, without
//! the crate's JSON: the template says once per chunk where the provider, the id, the
//! level, the channel, the activity and each `EventData` value come from ([`Plan`]), and
//! each record's values fill them in as the rendering would have written them.
//!
//! Only a plain template is followed: `Event` holding `System` first and at most an
//! `EventData` of leaf elements, every text of one part, `Data` elements all named by a
//! literal `Name` (unique) or none named. A record of another shape, a value of a type not
//! read in [`values::render`], nested binary XML, a NULL where the rendering may leave an
//! element out, or a provider whose sources ask for text: all are left to the rendering
//! (`None`), so the events kept are the same either way (the tests compare the two on
//! every corpus log).

use super::peek::{Cursor, utf16_string};
use super::record::clip;
use super::selection::Selection;
use super::walk::Raw;
use super::{Event, iso, values};
use std::ops::Range;

/// A template instance's values: each one's type and where its bytes are in the chunk.
type Values = [(u8, Range<usize>)];

/// Where one text of the rendered record comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    /// The element or attribute has no content.
    Empty,
    Text(String),
    Value(u16),
}

/// What a template's records render, field by field.
#[derive(Debug, Default)]
struct Plan {
    provider: Option<Part>,
    event_id: Option<Part>,
    level: Option<Part>,
    channel: Option<Part>,
    activity: Option<Part>,
    /// `EventData` entries: the key the rendering gives them (`None`: unnamed `Data`).
    data: Vec<(Option<String>, Part)>,
    /// The value after `System` that is `EventData` as a template instance of its own.
    nested: Option<u16>,
}

/// Where an element stands, as far as the plan cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Event,
    System,
    EventData,
    Provider,
    EventId,
    Level,
    Channel,
    Correlation,
    /// Anything else within `System`.
    Other,
    /// A child of `EventData`.
    Entry,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    ProviderName,
    ActivityId,
    DataName,
    Ignored,
}

struct Frame {
    kind: Kind,
    /// The element's own name (for `EventData` entries).
    name: String,
    parts: Vec<Part>,
    attributes: u8,
    /// The literal `Name` of a `Data` entry.
    data_name: Option<String>,
    children: u8,
}

/// Plans of one chunk's templates, by definition offset, and a buffer for values.
#[derive(Default)]
pub(super) struct Builder {
    /// By definition offset and whether the template is a record's (or nested `EventData`).
    plans: Vec<((usize, bool), Option<Plan>)>,
    values: Vec<(u8, Range<usize>)>,
    nested: Vec<(u8, Range<usize>)>,
}

/// What the plan made of a record.
pub(super) enum Built {
    Kept(Event),
    Passed,
}

impl Builder {
    /// The record built as an event, or passed over as the rendering would; `None` when it
    /// must be rendered to tell.
    pub(super) fn build(
        &mut self,
        selection: &Selection,
        chunk: &[u8],
        record: &Raw,
    ) -> Option<Built> {
        let mut values = std::mem::take(&mut self.values);
        let mut nested = std::mem::take(&mut self.nested);
        let built = self.build_values(selection, chunk, record, &mut values, &mut nested);
        self.values = values;
        self.nested = nested;
        built
    }

    fn build_values(
        &mut self,
        selection: &Selection,
        chunk: &[u8],
        record: &Raw,
        values: &mut Vec<(u8, Range<usize>)>,
        nested: &mut Vec<(u8, Range<usize>)>,
    ) -> Option<Built> {
        let def = values::instance(chunk, record.binxml.clone(), values)?;
        let at = self.plan(chunk, def, true)?;
        let inner = match self.plans[at].1.as_ref()?.nested {
            Some(i) => {
                let (ty, range) = values.get(usize::from(i))?;
                (*ty == 0x21).then_some(())?;
                let def = values::nested_instance(chunk, range.clone(), nested)?;
                Some(self.plan(chunk, def, false)?)
            }
            None => None,
        };
        // Other binary XML renders elements of its own, keys the rendering is searched for.
        let binxml = |values: &Values| values.iter().filter(|(ty, _)| *ty == 0x21).count();
        if binxml(values) > usize::from(inner.is_some()) || inner.is_some() && binxml(nested) > 0 {
            return None;
        }
        let plan = self.plans[at].1.as_ref()?;
        let inner = match inner {
            Some(at) => Some((self.plans[at].1.as_ref()?, &nested[..])),
            None => None,
        };
        event(plan, inner, chunk, values, selection, record)
    }

    /// Where the plan of the template at `def` is, made on first use.
    fn plan(&mut self, chunk: &[u8], def: usize, record: bool) -> Option<usize> {
        let key = (def, record);
        Some(match self.plans.iter().position(|(k, _)| *k == key) {
            Some(at) => at,
            None => {
                self.plans.push((key, plan(chunk, def, record)));
                self.plans.len() - 1
            }
        })
    }
}

/// A part's text: `Some(None)` when there is none (no content, or NULL).
fn text(part: &Part, chunk: &[u8], values: &Values) -> Option<Option<String>> {
    match part {
        Part::Empty => Some(None),
        Part::Text(t) => Some(Some(t.clone())),
        Part::Value(i) => values::render(chunk, values.get(usize::from(*i))?),
    }
}

/// Whether a part is a value of another type than a string (or NULL).
fn typed(part: &Part, values: &Values) -> bool {
    matches!(part, Part::Value(i) if values.get(usize::from(*i)).is_none_or(|(ty, _)| !matches!(ty, 0x00 | 0x01)))
}

fn number(part: &Part, chunk: &[u8], values: &Values) -> Option<Option<u64>> {
    Some(text(part, chunk, values)?.and_then(|t| t.trim().parse().ok()))
}

fn event(
    plan: &Plan,
    inner: Option<(&Plan, &Values)>,
    chunk: &[u8],
    values: &Values,
    selection: &Selection,
    record: &Raw,
) -> Option<Built> {
    let provider = plan.provider.as_ref().filter(|p| !typed(p, values))?;
    // The rendering's provider is read up to its first quote: a name JSON may escape is
    // left to it.
    let provider = text(provider, chunk, values)?.filter(|p| {
        !p.is_empty()
            && p.bytes()
                .all(|b| (b' '..0x7F).contains(&b) && b != b'"' && b != b'\\')
    })?;
    if !selection.takes_without_text(&provider) {
        return None;
    }
    let event_id = u32::try_from(number(plan.event_id.as_ref()?, chunk, values)??).ok()?;
    let level = match &plan.level {
        Some(part) => number(part, chunk, values)?.and_then(|l| u8::try_from(l).ok()),
        None => None,
    };
    if !selection.wants(&provider, event_id, level) {
        return Some(Built::Passed);
    }
    let channel = match plan.channel.as_ref() {
        Some(part) if typed(part, values) => return None,
        Some(part) => text(part, chunk, values)?.unwrap_or_default(),
        None => String::new(),
    };
    let activity_id = match plan.activity.as_ref() {
        Some(Part::Empty) => return None,
        Some(Part::Value(i))
            if values
                .get(usize::from(*i))
                .is_none_or(|(ty, _)| !matches!(ty, 0x00 | 0x01 | 0x0F)) =>
        {
            return None;
        }
        // An empty one may be written or left out.
        Some(part) => match text(part, chunk, values)? {
            Some(a) if a.is_empty() => return None,
            a => a,
        },
        None => None,
    };
    let (entries, values) = inner.unwrap_or((plan, values));
    let mut data = Vec::with_capacity(entries.data.len());
    for (name, part) in &entries.data {
        let value = match part {
            // A NULL value may leave its element out of the rendering.
            Part::Value(_) => text(part, chunk, values)??,
            Part::Empty if name.is_none() => return None,
            _ => text(part, chunk, values)?.unwrap_or_default(),
        };
        data.push((name.clone(), clip(value)));
    }
    let stamp = record.stamp;
    Some(Built::Kept(Event {
        record_id: record.id,
        time: stamp.as_second(),
        time_text: iso(stamp),
        provider,
        event_id,
        level,
        channel,
        activity_id,
        data,
    }))
}

/// The plan of the template defined at `def`, a record's (`Event`) or a nested one
/// (`EventData`); `None` for a template not followed.
fn plan(chunk: &[u8], def: usize, record: bool) -> Option<Plan> {
    let size = u32::from_le_bytes(chunk.get(def + 20..def + 24)?.try_into().ok()?) as usize;
    let end = (def + 24).checked_add(size)?;
    let mut c = Cursor {
        chunk: chunk.get(..end)?,
        at: def + 24,
    };
    let mut plan = Plan::default();
    let mut stack: Vec<Frame> = Vec::new();
    let mut attribute: Option<(Role, Vec<Part>)> = None;
    let mut seen_event = false;
    while c.at < end {
        let token = c.u8()?;
        match token {
            0x00 => break,
            0x01 | 0x41 => {
                end_attribute(&mut attribute, stack.last_mut(), &mut plan)?;
                c.bytes(6)?;
                let name = utf16_string(chunk.get(c.name()?)?)?;
                if token == 0x41 {
                    c.u32()?;
                }
                let kind = open(stack.last_mut(), &name, seen_event, record)?;
                seen_event = true;
                stack.push(Frame {
                    kind,
                    name,
                    parts: Vec::new(),
                    attributes: 0,
                    data_name: None,
                    children: 0,
                });
            }
            0x02 => end_attribute(&mut attribute, stack.last_mut(), &mut plan)?,
            0x03 | 0x04 => {
                end_attribute(&mut attribute, stack.last_mut(), &mut plan)?;
                let frame = stack.pop()?;
                close(frame, &mut plan)?;
            }
            0x06 | 0x46 => {
                end_attribute(&mut attribute, stack.last_mut(), &mut plan)?;
                let name = utf16_string(chunk.get(c.name()?)?)?;
                let frame = stack.last_mut()?;
                let first = frame.attributes == 0;
                frame.attributes = frame.attributes.saturating_add(1);
                let role = match (frame.kind, name.as_str()) {
                    (_, "EventID" | "Provider") => return None,
                    (Kind::Provider, "Name") if first => Role::ProviderName,
                    // The rendering's provider is searched for as the first attribute.
                    (Kind::Provider, _) if first => return None,
                    (Kind::Correlation, "ActivityID") => Role::ActivityId,
                    (Kind::Entry, "Name") if first && frame.name == "Data" => Role::DataName,
                    (Kind::Entry | Kind::EventData | Kind::Level | Kind::Channel, _) => {
                        return None;
                    }
                    _ => Role::Ignored,
                };
                attribute = Some((role, Vec::new()));
            }
            0x05 | 0x45 | 0x0D | 0x0E => {
                let part = if matches!(token, 0x05 | 0x45) {
                    if c.u8()? != 1 {
                        return None;
                    }
                    Part::Text(utf16_string(chunk.get(c.text()?)?)?)
                } else {
                    let index = c.u16()?;
                    c.u8()?;
                    Part::Value(index)
                };
                match (attribute.as_mut(), stack.last_mut()?) {
                    (Some((_, parts)), _) => parts.push(part),
                    // `EventData` as a value, right after `System`.
                    (None, frame) if frame.kind == Kind::Event => match part {
                        Part::Value(i) if frame.children == 1 && frame.parts.is_empty() => {
                            plan.nested = Some(i);
                            frame.parts.push(part);
                        }
                        _ => return None,
                    },
                    (None, frame) => frame.parts.push(part),
                }
            }
            0x0F => {
                c.bytes(3)?;
            }
            // CDATA, character and entity references, anything else: not followed.
            _ => return None,
        }
    }
    let whole = !record || plan.provider.is_some() && plan.event_id.is_some();
    (stack.is_empty() && seen_event && whole).then_some(())?;
    named_consistently(&plan.data).then_some(plan)
}

/// The kind of an element opened within `parent`; `None` for a shape not followed.
fn open(parent: Option<&mut Frame>, name: &str, seen_event: bool, record: bool) -> Option<Kind> {
    let Some(parent) = parent else {
        return match (seen_event, record, name) {
            (false, true, "Event") => Some(Kind::Event),
            (false, false, "EventData") => Some(Kind::EventData),
            _ => None,
        };
    };
    parent.children = parent.children.saturating_add(1);
    let first = parent.children == 1;
    Some(match (parent.kind, name) {
        (Kind::Event, "System") if first => Kind::System,
        (Kind::Event, "EventData") if parent.children == 2 && parent.parts.is_empty() => {
            Kind::EventData
        }
        (Kind::System, "Provider") => Kind::Provider,
        (Kind::System, "EventID") => Kind::EventId,
        (Kind::System, "Level") => Kind::Level,
        (Kind::System, "Channel") => Kind::Channel,
        (Kind::System, "Correlation") => Kind::Correlation,
        (_, "Provider" | "EventID") => return None,
        (Kind::System | Kind::Other, _) => Kind::Other,
        (Kind::EventData, "#text" | "#attributes") => return None,
        (Kind::EventData, _) => Kind::Entry,
        _ => return None,
    })
}

/// Records a finished attribute where the plan wants it.
fn end_attribute(
    attribute: &mut Option<(Role, Vec<Part>)>,
    frame: Option<&mut Frame>,
    plan: &mut Plan,
) -> Option<()> {
    let Some((role, parts)) = attribute.take() else {
        return Some(());
    };
    let part = || match parts.as_slice() {
        [] => Some(Part::Empty),
        [one] => Some(one.clone()),
        _ => None,
    };
    match role {
        Role::ProviderName => plan.provider.replace(part()?).is_none().then_some(())?,
        Role::ActivityId => plan.activity.replace(part()?).is_none().then_some(())?,
        Role::DataName => match part()? {
            Part::Text(name) if !name.is_empty() => frame?.data_name = Some(name),
            _ => return None,
        },
        Role::Ignored => {}
    }
    Some(())
}

/// Records a finished element where the plan wants it.
fn close(frame: Frame, plan: &mut Plan) -> Option<()> {
    let part = match frame.parts.as_slice() {
        [] => Part::Empty,
        [one] => one.clone(),
        _ if frame.kind == Kind::Other => Part::Empty,
        _ => return None,
    };
    let single = |slot: &mut Option<Part>| slot.replace(part.clone()).is_none().then_some(());
    match frame.kind {
        // Its one part, if any, is the nested `EventData`.
        Kind::Event => {}
        Kind::System | Kind::EventData | Kind::Provider | Kind::Correlation => {
            (part == Part::Empty).then_some(())?;
            if frame.kind == Kind::Provider && plan.provider.is_none() {
                return None;
            }
        }
        Kind::EventId => single(&mut plan.event_id)?,
        Kind::Level => single(&mut plan.level)?,
        Kind::Channel => single(&mut plan.channel)?,
        Kind::Other => {}
        Kind::Entry => {
            (frame.children == 0).then_some(())?;
            let key = match frame.data_name {
                Some(name) => Some(name),
                None if frame.name == "Data" => None,
                None => Some(frame.name),
            };
            plan.data.push((key, part));
        }
    }
    Some(())
}

/// `EventData` as the rendering keys it without numbering or merging: every `Data` named
/// (names unique, none a key the rendering's search looks for), or none named and nothing
/// but `Data`.
fn named_consistently(data: &[(Option<String>, Part)]) -> bool {
    if data.iter().all(|(name, _)| name.is_none()) {
        return true;
    }
    data.iter().enumerate().all(|(i, (name, _))| {
        name.as_deref().is_some_and(|n| {
            !matches!(n, "Data" | "EventID" | "Provider" | "#text" | "#attributes")
                && data[..i].iter().all(|(m, _)| m.as_deref() != Some(n))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use evtx::{EvtxParser, ParserSettings};
    use std::sync::Arc;

    fn chunk_data<'a>(record: &evtx::EvtxRecord<'a>) -> &'a [u8] {
        record.chunk.data
    }

    /// The records of the corpus' System log of providers the rules' selection takes are
    /// built from their templates (kept or passed over), none rendered.
    #[test]
    fn a_system_logs_kept_records_are_built_directly() {
        let bytes = super::super::corpus_log("system.evtx");
        let selection = &*crate::facts::events::SELECTED;
        let settings = Arc::new(ParserSettings::new());
        let mut parser = EvtxParser::from_buffer(bytes).unwrap();
        let (mut kept, mut rendered) = (0, Vec::new());
        for mut data in parser.chunks().flatten() {
            let mut chunk = data.parse(Arc::clone(&settings)).unwrap();
            let mut builder = Builder::default();
            for record in chunk.iter().flatten() {
                match builder.build(selection, chunk_data(&record), &Raw::of(&record)) {
                    Some(Built::Kept(_)) => kept += 1,
                    Some(Built::Passed) => {}
                    None => {
                        let json = record.into_json().unwrap().data;
                        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
                        let p = &v["Event"]["System"]["Provider"]["#attributes"]["Name"];
                        if p.as_str().is_some_and(|p| selection.takes_without_text(p)) {
                            rendered.push(json);
                        }
                    }
                }
            }
        }
        assert_eq!(kept, 160);
        assert!(rendered.is_empty(), "{rendered:#?}");
    }
}
