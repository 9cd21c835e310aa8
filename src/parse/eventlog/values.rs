//! A record's substitution values, read from its bytes: where each stands and what it
//! renders as, as far as the prefilter needs (the provider's name, the event id, whether a
//! `contains` text can appear). The crate renders them the same way; the tests hold the
//! two side by side on a real log.

use super::peek::{Cursor, Name, Shape};
use std::ops::Range;

/// A record's template instance: where the template is defined, and each substitution
/// value's type and bytes (into `values`). `None` for a record of another shape than
/// `fragment header, template instance` or one whose values run past its end.
pub(super) fn instance(
    chunk: &[u8],
    record: Range<usize>,
    values: &mut Vec<(u8, Range<usize>)>,
) -> Option<usize> {
    let bytes = chunk.get(record.clone())?;
    if bytes.len() < 14 || bytes[0] != 0x0F || bytes[4] != 0x0C {
        return None;
    }
    instance_at(chunk, record.start + 4..record.end, values)
}

/// The same for a value that is binary XML of its own: a template instance, with or
/// without a fragment header before it.
pub(super) fn nested_instance(
    chunk: &[u8],
    value: Range<usize>,
    values: &mut Vec<(u8, Range<usize>)>,
) -> Option<usize> {
    match chunk.get(value.clone())? {
        [0x0C, ..] => instance_at(chunk, value, values),
        _ => instance(chunk, value, values),
    }
}

/// The instance whose token starts `stream`.
fn instance_at(
    chunk: &[u8],
    stream: Range<usize>,
    values: &mut Vec<(u8, Range<usize>)>,
) -> Option<usize> {
    let record = stream;
    if chunk.get(record.clone())?.len() < 10 {
        return None;
    }
    let mut c = Cursor {
        chunk: &chunk[..record.end],
        at: record.start + 6,
    };
    let def = c.u32()? as usize;
    if def == c.at {
        // Defined in place: skip the definition.
        let size = u32::from_le_bytes(chunk.get(def + 20..def + 24)?.try_into().ok()?);
        c.at = def.checked_add(24 + size as usize)?;
    }
    let count = c.u32()? as usize;
    let descriptors = c.bytes(count.checked_mul(4)?)?;
    let mut at = c.at;
    values.clear();
    for d in descriptors.chunks_exact(4) {
        let size = usize::from(u16::from_le_bytes([d[0], d[1]]));
        let size = taken(d[2], size, chunk.get(at..record.end)?)?;
        values.push((d[2], at..at + size));
        at += size;
    }
    (at <= record.end).then_some(def)
}

/// The bytes the crate takes for a value of type `ty` whose descriptor says `size`, at the
/// start of `rest`: a value of a fixed size takes it whatever the descriptor says (a SID's
/// by its count of sub-authorities), a string array runs to the NUL of its last string,
/// and the crate goes on from the descriptor's end or, when it read past it, from where it
/// stopped. `None` for a value the crate would not read (an odd-sized string, a `size_t`
/// of neither 4 nor 8 bytes), and for the types no Windows log we met uses, left to the
/// crate.
fn taken(ty: u8, size: usize, rest: &[u8]) -> Option<usize> {
    let fixed = match ty {
        0x00 | 0x02 | 0x0E | 0x21 => 0,
        0x01 if size.is_multiple_of(2) => 0,
        0x10 if matches!(size, 4 | 8) => 0,
        0x03 | 0x04 => 1,
        0x05 | 0x06 => 2,
        0x07 | 0x08 | 0x0B | 0x0D | 0x14 => 4,
        0x09 | 0x0A | 0x0C | 0x11 | 0x15 => 8,
        0x0F | 0x12 => 16,
        0x13 => 8 + 4 * usize::from(*rest.get(1)?),
        0x81 => {
            // NUL-terminated strings while they start before the descriptor's end.
            let mut at = 0;
            while at < size {
                let nul = rest.get(at..)?.chunks_exact(2).position(|u| u == [0, 0])?;
                at += 2 * nul + 2;
            }
            at
        }
        _ => return None,
    };
    Some(size.max(fixed))
}

/// Longest provider name read from a substitution (longer ones are rendered).
pub(super) const MAX_NAME: usize = 256;

/// The provider's name a record renders: the template's text, or a substitution that is
/// a non-empty string of characters JSON writes as they are (copied into `buf`).
pub(super) fn provider<'a>(
    shape: &'a Shape,
    chunk: &[u8],
    values: &[(u8, Range<usize>)],
    buf: &'a mut [u8; MAX_NAME],
) -> Option<&'a str> {
    match shape.provider.as_ref()? {
        Name::Text(text) => Some(text),
        Name::Substitution(i) => {
            let (ty, range) = values.get(usize::from(*i))?;
            let bytes = chunk.get(range.clone()).filter(|_| *ty == 0x01)?;
            let mut len = 0;
            // The crate reads a string value up to its first NUL.
            for unit in bytes
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
            {
                match u8::try_from(unit) {
                    Ok(0) => break,
                    Ok(b @ 0x20..0x7F) if !matches!(b, b'"' | b'\\') && len < MAX_NAME => {
                        buf[len] = b;
                        len += 1;
                    }
                    _ => return None,
                }
            }
            std::str::from_utf8(&buf[..len])
                .ok()
                .filter(|t| !t.is_empty())
        }
    }
}

/// The number an unsigned substitution value renders as.
pub(super) fn unsigned(chunk: &[u8], (ty, range): &(u8, Range<usize>)) -> Option<u32> {
    let b = chunk.get(range.clone())?;
    match (ty, b.len()) {
        (0x04, 1) => Some(u32::from(b[0])),
        (0x06, 2) => Some(u32::from(u16::from_le_bytes([b[0], b[1]]))),
        (0x08, 4) => Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]])),
        _ => None,
    }
}

/// Whether a value renders as a number, or nothing.
pub(super) fn numeric_or_null(ty: u8) -> bool {
    matches!(ty, 0x00 | 0x03..=0x0A)
}

/// Whether a value of type `ty` can render `text` (ASCII letters, digits and `_`) other
/// than as its UTF-16 characters (searched for apart): what the type renders can be made
/// of. A hex number may, if the text could be one: its digits ([`hex`]) tell.
pub(super) fn type_may_render(text: &str, ty: u8) -> bool {
    let only = |alphabet: &str| text.bytes().all(|b| alphabet.as_bytes().contains(&b));
    match ty {
        // Nothing, or UTF-16 text.
        0x00 | 0x01 | 0x81 => false,
        0x03..=0x0A | 0x83..=0x8A => only("0123456789"),
        0x0D => only("truefals0123456789"),
        0x0E => only("0123456789ABCDEF"),
        0x0F => only("0123456789ABCDEFabcdef"),
        0x11 | 0x12 => only("0123456789TZ"),
        0x13 => only("S0123456789"),
        0x14 | 0x15 => only("0123456789abcdefx"),
        _ => true,
    }
}

/// A hex number value as the crate writes it: `0x`, then lower-case digits without
/// leading zeros (into `out`, its length returned); `None` for another value.
pub(super) fn hex(
    chunk: &[u8],
    (ty, range): &(u8, Range<usize>),
    out: &mut [u8; 18],
) -> Option<usize> {
    let b = chunk
        .get(range.clone())
        .filter(|_| matches!(ty, 0x14 | 0x15))?;
    let value = match b.len() {
        4 => u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])),
        8 => u64::from_le_bytes(b.try_into().ok()?),
        _ => return None,
    };
    let digits = (16 - value.leading_zeros() as usize / 4).max(1);
    out[..2].copy_from_slice(b"0x");
    for (i, d) in out[2..2 + digits].iter_mut().enumerate() {
        *d = b"0123456789abcdef"[(value >> (4 * (digits - 1 - i)) & 0xF) as usize];
    }
    Some(2 + digits)
}

/// What a substitution value renders as, for the types an event is built from directly:
/// `Some(None)` for NULL, `None` for a type left to the crate's rendering.
pub(super) fn render(chunk: &[u8], (ty, range): &(u8, Range<usize>)) -> Option<Option<String>> {
    let b = chunk.get(range.clone())?;
    let int =
        |n: usize| (b.len() == n).then(|| b.iter().rev().fold(0u64, |v, &x| v << 8 | u64::from(x)));
    let text = match ty {
        0x00 => return Some(None),
        0x01 => {
            // The crate reads a string value up to its first NUL.
            let units = b
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .take_while(|&u| u != 0);
            let mut s = String::with_capacity(b.len() / 2);
            for c in char::decode_utf16(units) {
                s.push(c.ok()?);
            }
            s
        }
        0x04 => int(1)?.to_string(),
        0x06 => int(2)?.to_string(),
        0x08 => int(4)?.to_string(),
        0x0A => int(8)?.to_string(),
        0x03 => (int(1)? as u8 as i8).to_string(),
        0x05 => (int(2)? as u16 as i16).to_string(),
        0x07 => (int(4)? as u32 as i32).to_string(),
        0x09 => (int(8)? as i64).to_string(),
        0x0E => {
            let mut s = String::with_capacity(b.len() * 2);
            for &x in b {
                s.push(char::from(b"0123456789ABCDEF"[usize::from(x >> 4)]));
                s.push(char::from(b"0123456789ABCDEF"[usize::from(x & 0xF)]));
            }
            s
        }
        0x0F if b.len() == 16 => guid(b),
        0x14 | 0x15 => {
            let mut out = [0; 18];
            let len = hex(chunk, &(*ty, range.clone()), &mut out)?;
            std::str::from_utf8(&out[..len]).ok()?.to_owned()
        }
        _ => return None,
    };
    Some(Some(text))
}

/// A GUID as the crate writes it: `{d1-d2-d3-d4[0..2]-d4[2..8]}` in lower case, the first
/// three parts little-endian.
fn guid(b: &[u8]) -> String {
    const ORDER: [usize; 16] = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];
    let mut s = String::with_capacity(38);
    s.push('{');
    for (i, &at) in ORDER.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        s.push(char::from(b"0123456789abcdef"[usize::from(b[at] >> 4)]));
        s.push(char::from(b"0123456789abcdef"[usize::from(b[at] & 0xF)]));
    }
    s.push('}');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::eventlog::peek::shape;
    use evtx::{EvtxParser, ParserSettings};
    use std::sync::Arc;

    /// What the crate's reading of a value takes, as `read_template_values_cursor` and
    /// `deserialize_value_type_cursor_in` of evtx 0.15 do it.
    #[test]
    fn values_take_what_the_crate_reads() {
        let sid = [1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 32, 2, 0, 0];
        for (ty, size, rest, taken_) in [
            // A string, binary, binary XML and NULL: the descriptor's size.
            (0x01, 6, &b"a\0b\0c\0"[..], Some(6)),
            (0x0E, 3, &[1, 2, 3][..], Some(3)),
            (0x21, 2, &[0, 0][..], Some(2)),
            (0x00, 4, &[0; 4][..], Some(4)),
            // An odd-sized string is not read.
            (0x01, 5, &[0; 6][..], None),
            // Fixed sizes whatever the descriptor says, or its size when larger.
            (0x08, 2, &[0; 8][..], Some(4)),
            (0x08, 8, &[0; 8][..], Some(8)),
            (0x0F, 4, &[0; 16][..], Some(16)),
            (0x11, 0, &[0; 8][..], Some(8)),
            // A SID by its sub-authorities: two of them.
            (0x13, 4, &sid[..], Some(16)),
            (0x13, 4, &sid[..1], None),
            // size_t of 4 or 8 bytes only.
            (0x10, 8, &[0; 8][..], Some(8)),
            (0x10, 2, &[0; 8][..], None),
            // A string array runs to the NUL of the string that starts before its end.
            (0x81, 4, &b"a\0\0\0b\0c\0\0\0"[..], Some(4)),
            (0x81, 6, &b"a\0\0\0b\0c\0\0\0"[..], Some(10)),
            (0x81, 6, &b"a\0\0\0b\0c\0"[..], None),
            (0x81, 0, &[][..], Some(0)),
            // Types no Windows log we met uses are left to the crate.
            (0x88, 4, &[0; 4][..], None),
            (0x16, 0, &[][..], None),
        ] {
            assert_eq!(taken(ty, size, rest), taken_, "type {ty:#x}, size {size}");
        }
    }

    /// Every record of the corpus' System log: the peeked provider and id are the ones
    /// its rendering names.
    #[test]
    fn peeked_provider_and_id_agree_with_the_rendering_on_a_real_log() {
        let bytes = super::super::corpus_log("system.evtx");
        let settings = Arc::new(ParserSettings::new());
        let mut parser = EvtxParser::from_buffer(bytes).unwrap();
        let (mut peeked, mut named, mut records) = (0, 0, 0);
        let mut values = Vec::new();
        for mut data in parser.chunks().flatten() {
            let mut chunk = data.parse(Arc::clone(&settings)).unwrap();
            for record in chunk.iter().flatten() {
                records += 1;
                let chunk = record.chunk.data;
                let start = record.binxml_offset as usize;
                let range = start..start + record.binxml_size as usize;
                let def = instance(chunk, range, &mut values).expect("a template instance");
                let shape = shape(chunk, def).expect("a shape");
                let json = record.into_json().unwrap().data;
                let v: serde_json::Value = serde_json::from_str(&json).unwrap();
                let system = &v["Event"]["System"];
                if let Some(p) = provider(&shape, chunk, &values, &mut [0; MAX_NAME]) {
                    assert_eq!(system["Provider"]["#attributes"]["Name"], p);
                    named += 1;
                }
                if let Some(id) = shape
                    .event_id
                    .and_then(|i| values.get(usize::from(i)))
                    .and_then(|v| unsigned(chunk, v))
                {
                    let rendered = &system["EventID"];
                    let rendered = rendered.get("#text").unwrap_or(rendered);
                    assert_eq!(rendered.as_u64(), Some(u64::from(id)), "{json}");
                    peeked += 1;
                }
            }
        }
        assert_eq!(
            peeked, records,
            "every record of this log has the plain shape"
        );
        assert_eq!(named, records);
    }

    #[test]
    fn a_substituted_provider_is_read_up_to_its_nul_and_only_if_plain() {
        let shape = Shape {
            provider: Some(Name::Substitution(0)),
            ..Shape::default()
        };
        let read = |text: &str| {
            let bytes: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
            let values = [(0x01, 0..bytes.len())];
            provider(&shape, &bytes, &values, &mut [0; MAX_NAME]).map(str::to_owned)
        };
        assert_eq!(
            read("Microsoft-Windows-Time\0").as_deref(),
            Some("Microsoft-Windows-Time")
        );
        assert_eq!(read(""), None);
        assert_eq!(read("\0junk"), None);
        assert_eq!(read("Caf\u{e9}"), None);
        assert_eq!(read("a\"b"), None);
        assert_eq!(read(&"x".repeat(MAX_NAME + 1)), None);
    }
}
