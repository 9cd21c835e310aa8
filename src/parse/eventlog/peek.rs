//! A look at a template's binary XML before anything is rendered: which provider the
//! records that instantiate it name and which substitution is their event id (the values
//! themselves are read in [`super::values`]). Enough to pass over a record no source can
//! keep (most of a System log's Windows Update and Service Control Manager events) without
//! paying for its JSON.
//!
//! Only a plain shape is read: the template's `Event/System/Provider` element names the
//! provider as text in its first attribute, `Name`, and `Event/System/EventID` holds one
//! numeric substitution, and no element or attribute named `Provider` or `EventID` comes
//! before them. Anything else answers `None`, and the record is rendered.
//!
//! A template definition (MS-EVEN6 2.2.3.1): next offset (4), GUID (16), data size (4),
//! then tokens. Names are offsets into the chunk, the string stored in place the first time:
//! next offset (4), hash (2), length (2), UTF-16 characters, NUL.

use std::ops::Range;

/// What a template definition says about the records that use it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Shape {
    /// The provider's name, as the rendered record's first `Provider` element gives it.
    pub provider: Option<Name>,
    /// The substitution that is all of the first `EventID` element's text.
    pub event_id: Option<u16>,
    /// What that element's `Qualifiers` attribute holds, if it has one.
    pub qualifiers: Qualifiers,
    /// Every text of the rendered record is one token (no text is built of several).
    pub single_parts: bool,
    /// Where the names the template uses stand in the chunk (their UTF-16 characters).
    pub names: Vec<Range<usize>>,
    /// The substitutions before the provider and the id are settled: one that is nested
    /// binary XML in a record could bring its own `Provider` or `EventID` first.
    pub early: Vec<u16>,
}

/// Where the provider's name is: the template's text, or a substitution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Name {
    Text(String),
    Substitution(u16),
}

/// The `EventID` element's attributes: none, or `Qualifiers` of a short text or one
/// substitution, keep its id within the first bytes the id is looked for in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) enum Qualifiers {
    #[default]
    None,
    Short,
    Substitution(u16),
    Other,
}

/// What an attribute is to the shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    ProviderName,
    Qualifiers,
    Other,
}

struct Attribute {
    role: Role,
    parts: u8,
}

/// Where an element stands, as far as the shape cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    Event,
    System,
    Provider,
    EventId,
    Other,
}

struct Frame {
    tag: Tag,
    parts: u8,
    /// Attributes seen on this element so far.
    attributes: u8,
}

pub(super) struct Cursor<'a> {
    pub(super) chunk: &'a [u8],
    pub(super) at: usize,
}

impl<'a> Cursor<'a> {
    pub(super) fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        let b = self.chunk.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(b)
    }
    pub(super) fn u8(&mut self) -> Option<u8> {
        Some(self.bytes(1)?[0])
    }
    pub(super) fn u16(&mut self) -> Option<u16> {
        Some(u16::from_le_bytes(self.bytes(2)?.try_into().ok()?))
    }
    pub(super) fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.bytes(4)?.try_into().ok()?))
    }
    /// A UTF-16 string of `u16` length.
    pub(super) fn text(&mut self) -> Option<Range<usize>> {
        let n = usize::from(self.u16()?) * 2;
        let start = self.at;
        self.bytes(n)?;
        Some(start..start + n)
    }
    /// A name reference, skipping the string when it is stored here; where its characters are.
    pub(super) fn name(&mut self) -> Option<Range<usize>> {
        let at = self.u32()? as usize;
        let chars = at.checked_add(8)?;
        let len = usize::from(u16::from_le_bytes(
            self.chunk.get(at + 6..chars)?.try_into().ok()?,
        ));
        let end = chars.checked_add(len * 2)?;
        self.chunk.get(chars..end + 2)?;
        if at == self.at {
            self.at = end + 2;
        }
        Some(chars..end)
    }
}

fn is(chunk: &[u8], name: &Range<usize>, text: &str) -> bool {
    let bytes = &chunk[name.clone()];
    bytes.len() == text.len() * 2
        && bytes
            .chunks_exact(2)
            .zip(text.bytes())
            .all(|(c, t)| c[0] == t && c[1] == 0)
}

/// The shape of the template defined at `def` in `chunk`; `None` for one this reader does
/// not follow.
pub(super) fn shape(chunk: &[u8], def: usize) -> Option<Shape> {
    let size = u32::from_le_bytes(chunk.get(def + 20..def + 24)?.try_into().ok()?) as usize;
    walk(chunk, def + 24..(def + 24).checked_add(size)?, true)
}

/// The shape of a value that is binary XML of its own (nested in a record: no dependency
/// ids, no substitutions); `None` unless it is elements, attributes and text only.
pub(super) fn nested(chunk: &[u8], value: Range<usize>) -> Option<Shape> {
    walk(chunk, value, false)
}

fn walk(chunk: &[u8], stream: Range<usize>, template: bool) -> Option<Shape> {
    let end = stream.end;
    let mut c = Cursor {
        chunk: chunk.get(..end)?,
        at: stream.start,
    };
    let mut shape = Shape {
        single_parts: true,
        ..Shape::default()
    };
    let mut stack: Vec<Frame> = Vec::new();
    // The attribute being read, while in an element's start.
    let mut attribute: Option<Attribute> = None;
    let (mut seen_provider, mut seen_event_id) = (false, false);
    while c.at < end {
        let token = c.u8()?;
        match token {
            0x00 => break,
            0x01 | 0x41 => {
                c.bytes(if template { 6 } else { 4 })?; // dependency id, data size
                let name = c.name()?;
                if token == 0x41 {
                    c.u32()?;
                }
                let parent = stack.last().map(|f| f.tag);
                let tag = match parent {
                    None if is(chunk, &name, "Event") => Tag::Event,
                    Some(Tag::Event) if is(chunk, &name, "System") => Tag::System,
                    Some(Tag::System) if is(chunk, &name, "Provider") => Tag::Provider,
                    Some(Tag::System) if is(chunk, &name, "EventID") => Tag::EventId,
                    _ => Tag::Other,
                };
                if is(chunk, &name, "Provider") {
                    // Only the first `Provider` element is the one looked for.
                    seen_provider |= tag != Tag::Provider;
                }
                if is(chunk, &name, "EventID") {
                    seen_event_id |= tag != Tag::EventId;
                }
                if parent == Some(Tag::EventId) {
                    // An element inside the id: not the plain shape.
                    shape.event_id = None;
                    seen_event_id = true;
                }
                shape.names.push(name);
                stack.push(Frame {
                    tag,
                    parts: 0,
                    attributes: 0,
                });
                attribute = None;
            }
            0x02 => attribute = None,
            0x03 | 0x04 => {
                let frame = stack.pop()?;
                seen_provider |= frame.tag == Tag::Provider;
                seen_event_id |= frame.tag == Tag::EventId;
                attribute = None;
            }
            0x06 | 0x46 => {
                let name = c.name()?;
                let frame = stack.last_mut()?;
                seen_event_id |= is(chunk, &name, "EventID");
                let role = if frame.tag == Tag::Provider
                    && frame.attributes == 0
                    && !seen_provider
                    && is(chunk, &name, "Name")
                {
                    Role::ProviderName
                } else if frame.tag == Tag::EventId && !seen_event_id {
                    if frame.attributes == 0 && is(chunk, &name, "Qualifiers") {
                        Role::Qualifiers
                    } else {
                        shape.qualifiers = Qualifiers::Other;
                        Role::Other
                    }
                } else {
                    Role::Other
                };
                frame.attributes = frame.attributes.saturating_add(1);
                attribute = Some(Attribute { role, parts: 0 });
                shape.names.push(name);
            }
            0x05 | 0x45 | 0x07 | 0x47 | 0x08 | 0x48 | 0x09 | 0x49 | 0x0D | 0x0E => {
                // One part of a text: a value, CDATA, a character or entity, a substitution.
                let (mut literal, mut substitution) = (None, None);
                match token {
                    // A typed value in a template: not a shape this reader follows.
                    0x05 | 0x45 if c.u8()? != 1 => return None,
                    0x05 | 0x45 => literal = Some(c.text()?),
                    0x07 | 0x47 => {
                        c.text()?;
                    }
                    0x08 | 0x48 => {
                        c.u16()?;
                    }
                    0x09 | 0x49 => shape.names.push(c.name()?),
                    _ if !template => return None,
                    _ => {
                        let index = c.u16()?;
                        c.u8()?;
                        substitution = Some(index);
                        if !(seen_provider && seen_event_id) {
                            shape.early.push(index);
                        }
                    }
                }
                let parts = match attribute.as_mut() {
                    Some(a) => {
                        a.parts += 1;
                        match a.role {
                            Role::ProviderName => {
                                shape.provider = match (a.parts, literal, substitution) {
                                    (1, Some(r), _) => utf16_string(&chunk[r]).map(Name::Text),
                                    (1, _, Some(i)) => Some(Name::Substitution(i)),
                                    _ => None,
                                };
                            }
                            Role::Qualifiers => {
                                shape.qualifiers = match (a.parts, literal, substitution) {
                                    (1, Some(r), _) if r.len() <= 64 => Qualifiers::Short,
                                    (1, _, Some(i)) => Qualifiers::Substitution(i),
                                    _ => Qualifiers::Other,
                                };
                            }
                            Role::Other => {}
                        }
                        a.parts
                    }
                    None => {
                        let frame = stack.last_mut()?;
                        frame.parts = frame.parts.saturating_add(1);
                        if frame.tag == Tag::EventId && !seen_event_id {
                            shape.event_id = substitution.filter(|_| frame.parts == 1);
                        }
                        frame.parts
                    }
                };
                shape.single_parts &= parts == 1;
            }
            0x0F => {
                c.bytes(3)?;
            }
            // Processing instructions, nested instances, anything else: not followed.
            _ => return None,
        }
    }
    stack.is_empty().then_some(shape)
}

pub(super) fn utf16_string(bytes: &[u8]) -> Option<String> {
    let units = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]));
    let mut text = String::with_capacity(bytes.len() / 2);
    for c in char::decode_utf16(units) {
        match c.ok()? {
            '\0' => break,
            c => text.push(c),
        }
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A template definition at the start of a chunk, written token by token; names are
    /// stored in place.
    struct Template(Vec<u8>);

    impl Template {
        fn new() -> Self {
            let mut b = vec![0; 24];
            b.extend([0x0F, 1, 1, 0]);
            Template(b)
        }
        fn name(&mut self, name: &str) -> &mut Self {
            let at = self.0.len() as u32 + 4;
            self.0.extend(at.to_le_bytes());
            self.0.extend([0; 6]);
            self.0.extend((name.len() as u16).to_le_bytes());
            self.0
                .extend(name.encode_utf16().flat_map(u16::to_le_bytes));
            self.0.extend([0, 0]);
            self
        }
        fn open(&mut self, name: &str, attributes: bool) -> &mut Self {
            self.0.push(if attributes { 0x41 } else { 0x01 });
            self.0.extend([0xFF, 0xFF, 0, 0, 0, 0]);
            self.name(name);
            if attributes {
                self.0.extend([0; 4]);
            }
            self
        }
        fn attribute(&mut self, name: &str) -> &mut Self {
            self.0.push(0x06);
            self.name(name)
        }
        fn text(&mut self, text: &str) -> &mut Self {
            self.0.extend([0x05, 0x01]);
            self.0.extend((text.len() as u16).to_le_bytes());
            self.0
                .extend(text.encode_utf16().flat_map(u16::to_le_bytes));
            self
        }
        fn substitution(&mut self, index: u16) -> &mut Self {
            self.0.push(0x0D);
            self.0.extend(index.to_le_bytes());
            self.0.push(0x06);
            self
        }
        fn token(&mut self, token: u8) -> &mut Self {
            self.0.push(token);
            self
        }
        fn shape(&mut self) -> Option<Shape> {
            self.0.push(0x00);
            let size = (self.0.len() - 24) as u32;
            self.0[20..24].copy_from_slice(&size.to_le_bytes());
            shape(&self.0, 0)
        }
    }

    /// `<Event><System><Provider Name="P" ...>` then `<EventID>` of `id`.
    fn system(provider: impl Fn(&mut Template), id: impl Fn(&mut Template)) -> Option<Shape> {
        let mut t = Template::new();
        t.open("Event", false)
            .token(0x02)
            .open("System", false)
            .token(0x02);
        provider(&mut t);
        t.open("EventID", false).token(0x02);
        id(&mut t);
        t.token(0x04).token(0x04).token(0x04).shape()
    }

    #[test]
    fn a_plain_template_names_its_provider_and_id() {
        let shape = system(
            |t| {
                t.open("Provider", true)
                    .attribute("Name")
                    .text("Schannel")
                    .token(0x03);
            },
            |t| {
                t.substitution(3);
            },
        )
        .unwrap();
        assert_eq!(shape.provider, Some(Name::Text("Schannel".into())));
        assert_eq!(shape.event_id, Some(3));
        assert_eq!(shape.qualifiers, Qualifiers::None);
        assert!(shape.single_parts);
        assert_eq!(shape.early, [3]);
        let by_value = system(
            |t| {
                t.open("Provider", true)
                    .attribute("Name")
                    .substitution(14)
                    .token(0x03);
            },
            |t| {
                t.substitution(3);
            },
        )
        .unwrap();
        assert_eq!(by_value.provider, Some(Name::Substitution(14)));
    }

    #[test]
    fn other_shapes_say_nothing_of_what_they_do_not_hold_plainly() {
        // `Name` not the first attribute: the key the rendering is searched for is not there.
        let guid_first = system(
            |t| {
                t.open("Provider", true).attribute("Guid").text("{x}");
                t.attribute("Name").text("Schannel").token(0x03);
            },
            |t| {
                t.substitution(3);
            },
        )
        .unwrap();
        assert_eq!(guid_first.provider, None);
        // An id of two parts, or a literal id.
        let two = system(
            |_| {},
            |t| {
                t.text("1").substitution(3);
            },
        )
        .unwrap();
        assert_eq!(two.event_id, None);
        assert!(!two.single_parts);
        let literal = system(
            |_| {},
            |t| {
                t.text("7036");
            },
        );
        assert_eq!(literal.unwrap().event_id, None);
        // A typed value in a template, or a template cut short: no shape at all.
        let mut typed = Template::new();
        typed
            .open("Event", false)
            .token(0x02)
            .0
            .extend([0x05, 0x08, 1, 0, 0, 0]);
        assert_eq!(typed.token(0x04).shape(), None);
        assert_eq!(
            Template::new().open("Event", false).token(0x02).shape(),
            None
        );
    }

    #[test]
    fn an_id_elsewhere_first_hides_the_system_one() {
        let mut t = Template::new();
        t.open("Event", false).token(0x02);
        t.open("EventID", false)
            .token(0x02)
            .substitution(0)
            .token(0x04);
        t.open("System", false).token(0x02);
        t.open("EventID", false)
            .token(0x02)
            .substitution(3)
            .token(0x04);
        let shape = t.token(0x04).token(0x04).shape().unwrap();
        assert_eq!(shape.event_id, None);
    }
}
