//! A rendered record (the `evtx` crate's JSON) as an [`Event`]: the provider and event id
//! looked up before anything is parsed, then a typed view that borrows from the JSON, or
//! the generic one for records of an odd shape.

use super::{Event, MAX_VALUE, iso};
use memchr::memmem;
use serde::Deserialize;
use serde_json::Value;
use std::borrow::Cow;

/// The event id in a rendered record, without parsing the JSON, from where the value of
/// its first `"EventID":` starts (found by [`super::Selection::keys`]): `7036` or
/// `{"#attributes":{...},"#text":7036}` (a number or a quoted number).
pub(super) fn event_id_at(json: &[u8], at: Option<usize>) -> Option<u32> {
    let mut rest = json.get(at?..)?;
    if rest.first() == Some(&b'{') {
        let window = &rest[..rest.len().min(200)];
        let at = memmem::find(window, b"\"#text\":")? + 8;
        rest = &rest[at..];
    }
    let rest = rest.strip_prefix(b"\"").unwrap_or(rest);
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()
}

fn number(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        Value::Object(o) => o.get("#text").and_then(number),
        _ => None,
    }
}

fn text(v: &Value) -> String {
    let s = match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Array(items) => items.iter().map(text).collect::<Vec<_>>().join(", "),
        Value::Object(o) => match o.get("#text") {
            Some(t) => text(t),
            None => v.to_string(),
        },
        other => other.to_string(),
    };
    clip(s)
}

/// A data value cut to [`MAX_VALUE`] bytes (at a character), marked where it was cut.
pub(super) fn clip(mut s: String) -> String {
    if s.len() > MAX_VALUE {
        let mut cut = MAX_VALUE;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push('…');
    }
    s
}

/// Flattens `EventData`/`UserData` into (name, value) pairs, in order.
fn flatten(name: Option<&str>, v: &Value, out: &mut Vec<(Option<String>, String)>) {
    match v {
        Value::Object(o) => {
            for (k, item) in o {
                match k.as_str() {
                    "#attributes" => {}
                    // Unnamed classic data: `{"Data": {"#text": [..]}}` or `{"Data": ".."}`.
                    "#text" | "Data" => flatten(name, item, out),
                    _ => flatten(Some(k), item, out),
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                flatten(name, item, out);
            }
        }
        Value::Null => out.push((name.map(str::to_owned), String::new())),
        other => out.push((name.map(str::to_owned), text(other))),
    }
}

/// The parts of a rendered record the analyzer reads.
#[derive(Deserialize)]
struct RecordJson<'a> {
    #[serde(rename = "Event", borrow)]
    event: EventJson<'a>,
}

#[derive(Deserialize)]
struct EventJson<'a> {
    #[serde(rename = "System", borrow, default)]
    system: Option<SystemJson<'a>>,
    #[serde(rename = "EventData", default)]
    event_data: Option<Value>,
    #[serde(rename = "UserData", default)]
    user_data: Option<Value>,
}

#[derive(Deserialize)]
struct SystemJson<'a> {
    #[serde(rename = "Provider", borrow, default)]
    provider: Option<AttributesJson<'a>>,
    #[serde(rename = "EventID", default)]
    event_id: Option<Value>,
    #[serde(rename = "Level", default)]
    level: Option<Value>,
    #[serde(rename = "Channel", borrow, default)]
    channel: Option<Cow<'a, str>>,
    #[serde(rename = "Computer", borrow, default)]
    computer: Option<Cow<'a, str>>,
    #[serde(rename = "Correlation", borrow, default)]
    correlation: Option<AttributesJson<'a>>,
}

#[derive(Deserialize)]
struct AttributesJson<'a> {
    #[serde(rename = "#attributes", borrow, default)]
    attributes: Option<NamesJson<'a>>,
}

#[derive(Deserialize)]
struct NamesJson<'a> {
    #[serde(rename = "Name", borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(rename = "ActivityID", borrow, default)]
    activity_id: Option<Cow<'a, str>>,
}

/// The event a rendered record holds, if it names a provider and an event id. The typed
/// view borrows from the JSON and skips what it does not name; a record of an odd shape is
/// read through the generic one.
pub(super) fn event(
    json: &[u8],
    record_id: u64,
    time: i64,
    stamp: evtx::Timestamp,
) -> Option<Event> {
    match typed(json) {
        Some(r) => typed_event(r, record_id, time, stamp),
        None => serde_json::from_slice::<Value>(json)
            .ok()
            .and_then(|v| event_of(&v, record_id, time, iso(stamp))),
    }
}

/// The channel and the computer a rendered record names.
pub(super) fn channel_and_computer(json: &[u8]) -> Option<(Option<String>, Option<String>)> {
    let system = typed(json)?.event.system?;
    Some((
        system.channel.map(Cow::into_owned),
        system.computer.map(Cow::into_owned),
    ))
}

fn typed(json: &[u8]) -> Option<RecordJson<'_>> {
    serde_json::from_slice(json).ok()
}

fn typed_event(
    r: RecordJson<'_>,
    record_id: u64,
    time: i64,
    stamp: evtx::Timestamp,
) -> Option<Event> {
    let system = r.event.system?;
    let provider = system.provider?.attributes?.name?.into_owned();
    let event_id = u32::try_from(number(system.event_id.as_ref()?)?).ok()?;
    let level = system
        .level
        .as_ref()
        .and_then(number)
        .and_then(|l| u8::try_from(l).ok());
    let mut data = Vec::new();
    for part in [&r.event.event_data, &r.event.user_data]
        .into_iter()
        .flatten()
    {
        if !part.is_null() {
            flatten(None, part, &mut data);
        }
    }
    Some(Event {
        record_id,
        time,
        time_text: iso(stamp),
        provider,
        event_id,
        level,
        channel: system.channel.map(Cow::into_owned).unwrap_or_default(),
        activity_id: system
            .correlation
            .and_then(|c| c.attributes)
            .and_then(|a| a.activity_id)
            .map(Cow::into_owned),
        data,
    })
}

/// The same from the generic JSON value, for records the typed view cannot take.
fn event_of(v: &Value, record_id: u64, time: i64, time_text: String) -> Option<Event> {
    let event = &v["Event"];
    let system = &event["System"];
    let provider = system["Provider"]["#attributes"]["Name"]
        .as_str()?
        .to_owned();
    let event_id = u32::try_from(number(&system["EventID"])?).ok()?;
    let level = number(&system["Level"]).and_then(|l| u8::try_from(l).ok());
    let mut data = Vec::new();
    for part in ["EventData", "UserData"] {
        if !event[part].is_null() {
            flatten(None, &event[part], &mut data);
        }
    }
    Some(Event {
        record_id,
        time,
        time_text,
        provider,
        event_id,
        level,
        channel: system["Channel"].as_str().unwrap_or_default().to_owned(),
        activity_id: system["Correlation"]["#attributes"]["ActivityID"]
            .as_str()
            .map(str::to_owned),
        data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_data_shapes_flatten_in_order() {
        let v: Value = serde_json::from_str(
            r##"{"Event":{"System":{"Provider":{"#attributes":{"Name":"P"}},
                "EventID":{"#attributes":{"Qualifiers":"16384"},"#text":"7036"},"Level":"4",
                "Channel":"System"},
                "EventData":{"param1":"Network Location Awareness","param2":"stopped",
                "Binary":"4E006C00"}}}"##,
        )
        .unwrap();
        let e = event_of(&v, 7, 0, String::new()).unwrap();
        assert_eq!((e.event_id, e.level), (7036, Some(4)));
        assert_eq!(e.named("PARAM2"), Some("stopped"));
        assert_eq!(e.named("Binary"), Some("4E006C00"));
        let v: Value = serde_json::from_str(
            r##"{"Event":{"System":{"Provider":{"#attributes":{"Name":"O"}},"EventID":300},
                "EventData":{"Data":{"#text":["Microsoft Word\n","text"]}}}}"##,
        )
        .unwrap();
        let e = event_of(&v, 1, 0, String::new()).unwrap();
        assert_eq!(
            e.data,
            vec![(None, "Microsoft Word\n".into()), (None, "text".into())]
        );
    }
}
