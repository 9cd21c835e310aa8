//! Whether a record can be one the selection keeps, from its bytes, without rendering it.
//!
//! A selected provider's name is either among a record's substitution values (its own
//! bytes) or in the template it instantiates (defined elsewhere in the chunk). Where the
//! template names the provider and the id plainly ([`peek`]), they must be ones a source
//! takes; and a record that a source keeps only for a text (`contains`) must be able to hold
//! it. Anything this cannot tell for sure is rendered, so the events kept are the ones
//! rendering every record would keep.

use super::peek::{self, Qualifiers, Shape};
use super::selection::{Places, Selection};
use super::values;
use std::ops::Range;
use std::rc::Rc;

/// Binary XML values within binary XML values followed when looking for text.
const NESTING: usize = 4;

/// What a chunk's template says about its records: whether a selected provider's name
/// or a `contains` text stands in it (its names included), and its shape.
struct Template {
    provider: bool,
    text: bool,
    shape: Option<Shape>,
    /// For a provider the template names as text: whether a source takes it, and whether
    /// every one that does asks for text.
    named: Option<(bool, bool)>,
}

/// The questions asked of one chunk's records, with what its templates answered.
pub(super) struct Prefilter<'s> {
    selection: &'s Selection,
    places: &'s Places,
    /// By definition offset, once per template of the chunk.
    templates: Vec<(usize, Rc<Template>)>,
    values: Vec<(u8, Range<usize>)>,
}

impl<'s> Prefilter<'s> {
    pub(super) fn new(selection: &'s Selection, places: &'s Places) -> Self {
        Prefilter {
            selection,
            places,
            templates: Vec::new(),
            values: Vec::new(),
        }
    }

    /// The selection the records are judged by.
    pub(super) fn selection(&self) -> &'s Selection {
        self.selection
    }

    /// Whether the record whose binary XML is `range` (of `chunk`, the chunk the places are
    /// of) may be kept. A record of another shape than `fragment header, template instance`
    /// may hold anything.
    pub(super) fn may_hold(&mut self, chunk: &[u8], range: Range<usize>) -> bool {
        let mut values = std::mem::take(&mut self.values);
        let hold = self.may_hold_values(chunk, range, &mut values);
        self.values = values;
        hold
    }

    fn may_hold_values(
        &mut self,
        chunk: &[u8],
        range: Range<usize>,
        values: &mut Vec<(u8, Range<usize>)>,
    ) -> bool {
        let (selection, places) = (self.selection, self.places);
        let Some(def) = values::instance(chunk, range.clone(), values) else {
            return true;
        };
        let template = self.template(chunk, def);
        if !template.provider && !selection.provider_in(places, chunk, range.clone()) {
            return false;
        }
        // A selected name is there: is the record still one no source takes?
        let Some(shape) = &template.shape else {
            return true;
        };
        // Nested binary XML before the provider and the id could bring its own.
        if shape
            .early
            .iter()
            .any(|&i| values.get(usize::from(i)).is_none_or(|(ty, _)| *ty == 0x21))
        {
            return true;
        }
        let mut name = [0; values::MAX_NAME];
        let Some(provider) = values::provider(shape, chunk, values, &mut name) else {
            return true;
        };
        let (takes, needs_text) = template
            .named
            .unwrap_or_else(|| (selection.takes(provider), selection.needs_text(provider)));
        if !takes {
            return false;
        }
        let qualifiers_short = match shape.qualifiers {
            Qualifiers::None | Qualifiers::Short => true,
            Qualifiers::Substitution(q) => values
                .get(usize::from(q))
                .is_some_and(|(ty, _)| values::numeric_or_null(*ty)),
            Qualifiers::Other => false,
        };
        if let Some(id) = shape
            .event_id
            .filter(|_| qualifiers_short)
            .and_then(|i| values.get(usize::from(i)))
            .and_then(|value| values::unsigned(chunk, value))
            && !selection.wants_id(provider, id)
        {
            return false;
        }
        // A record kept only for a text it cannot hold.
        let textless = needs_text
            && selection.plain_texts()
            && shape.single_parts
            && !template.text
            && !selection.text_in(places, chunk, range)
            && !values
                .iter()
                .any(|value| self.may_render_text(chunk, value, NESTING));
        !textless
    }

    /// What the template defined at `def` says, read once per chunk; a definition that
    /// cannot be read is taken to hold anything.
    fn template(&mut self, chunk: &[u8], def: usize) -> Rc<Template> {
        if let Some((_, t)) = self.templates.iter().find(|(at, _)| *at == def) {
            return Rc::clone(t);
        }
        let (selection, places) = (self.selection, self.places);
        let size = chunk
            .get(def + 20..def + 24)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize);
        let template = Rc::new(
            match size.map(|size| def..(def + 24).saturating_add(size)) {
                None => Template {
                    provider: true,
                    text: true,
                    shape: None,
                    named: None,
                },
                Some(body) => {
                    let shape = peek::shape(chunk, def);
                    let text = selection.text_in(places, chunk, body.clone())
                        || shape.as_ref().is_none_or(|s| {
                            s.names
                                .iter()
                                .any(|n| selection.text_in(places, chunk, n.clone()))
                        });
                    let named = match shape.as_ref().and_then(|s| s.provider.as_ref()) {
                        Some(peek::Name::Text(p)) => {
                            Some((selection.takes(p), selection.needs_text(p)))
                        }
                        _ => None,
                    };
                    Template {
                        provider: selection.provider_in(places, chunk, body),
                        text,
                        shape,
                        named,
                    }
                }
            },
        );
        self.templates.push((def, Rc::clone(&template)));
        template
    }

    /// Whether a record's value can render one of the `contains` texts other than as its
    /// own UTF-16 characters (those are looked for apart): by its type, or, for nested
    /// binary XML, by a name it uses, text built of several parts or a value of its own.
    fn may_render_text(&mut self, chunk: &[u8], value: &(u8, Range<usize>), depth: usize) -> bool {
        let selection = self.selection;
        if value.0 != 0x21 {
            return selection.may_render(chunk, value);
        }
        if depth == 0 {
            return true;
        }
        // An instance of a template of its own (its values are within this one's bytes),
        // or plain elements.
        let mut values = Vec::new();
        let shape = match values::instance(chunk, value.1.clone(), &mut values) {
            // The template's names were looked at with the template.
            Some(def) => {
                let template = self.template(chunk, def);
                if template.text {
                    return true;
                }
                template.shape.as_ref().map(|s| (s.single_parts, None))
            }
            None => peek::nested(chunk, value.1.clone()).map(|s| (s.single_parts, Some(s))),
        };
        let Some((single_parts, plain)) = shape else {
            return true;
        };
        let names_text = plain.is_some_and(|s| {
            s.names
                .iter()
                .any(|n| selection.text_in(self.places, chunk, n.clone()))
        });
        !single_parts
            || names_text
            || values
                .iter()
                .any(|v| self.may_render_text(chunk, v, depth - 1))
    }
}
