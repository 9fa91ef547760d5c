//! A small, forgiving XML reader for the two listings the adapters parse: a WebDAV
//! `multistatus` and an S3 `ListBucketResult`.
//!
//! It builds a tree of elements named by their *local* name in lowercase (so `D:href`,
//! `d:HREF`, `lp1:href` and `href` are all `href`), with entities and CDATA decoded into text.
//! Attributes, comments, processing instructions and the document type are skipped. It never
//! panics on bad input: anything it cannot read is an `Err` with a short reason.

/// The deepest nesting accepted (listings are a few levels deep; this bounds the work and
/// keeps dropping the tree from recursing far).
const MAX_DEPTH: usize = 64;

/// One element: its local name (lowercase), its child elements and its text content.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Element {
    /// The local name, lowercase, without any namespace prefix.
    pub name: String,
    /// Child elements in document order.
    pub children: Vec<Element>,
    /// The text directly inside this element (not its children's), entities decoded.
    pub text: String,
}

impl Element {
    /// The first child called `name` (a lowercase local name).
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every child called `name` (a lowercase local name).
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The trimmed text of the first child called `name`, if there is one.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.trim())
    }
}

/// Parses `input` into its root element.
pub(crate) fn parse(input: &[u8]) -> Result<Element, String> {
    let text = std::str::from_utf8(input).map_err(|_| "the XML is not UTF-8".to_owned())?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // Open elements; the bottom one is a synthetic document node.
    let mut stack: Vec<Element> = vec![Element::default()];
    let mut rest = text;
    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            append_text(&mut stack, rest)?;
            break;
        };
        append_text(&mut stack, &rest[..lt])?;
        rest = &rest[lt..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = skip_past(after, "-->")?;
        } else if let Some(after) = rest.strip_prefix("<![CDATA[") {
            let end = after
                .find("]]>")
                .ok_or_else(|| "an unterminated CDATA section".to_owned())?;
            if stack.len() > 1 {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&after[..end]);
                }
            }
            rest = &after[end + 3..];
        } else if let Some(after) = rest.strip_prefix("<?") {
            rest = skip_past(after, "?>")?;
        } else if let Some(after) = rest.strip_prefix("<!") {
            rest = skip_declaration(after)?;
        } else if let Some(after) = rest.strip_prefix("</") {
            let end = after
                .find('>')
                .ok_or_else(|| "an unterminated end tag".to_owned())?;
            let name = local_name(after[..end].trim());
            let closed = stack
                .pop()
                .filter(|_| !stack.is_empty())
                .ok_or_else(|| format!("an end tag </{name}> with nothing open"))?;
            if closed.name != name {
                return Err(format!(
                    "</{name}> closes <{}> (mismatched tags)",
                    closed.name
                ));
            }
            if let Some(parent) = stack.last_mut() {
                parent.children.push(closed);
            }
            rest = &after[end + 1..];
        } else {
            let after = &rest[1..];
            let end = tag_end(after).ok_or_else(|| "an unterminated start tag".to_owned())?;
            let inside = &after[..end];
            let (inside, self_closing) = match inside.strip_suffix('/') {
                Some(inner) => (inner, true),
                None => (inside, false),
            };
            let raw_name = inside
                .split(|c: char| c.is_ascii_whitespace())
                .next()
                .unwrap_or_default();
            if raw_name.is_empty() {
                return Err("a tag without a name".to_owned());
            }
            if stack.len() == 1 && !stack[0].children.is_empty() {
                return Err("more than one root element".to_owned());
            }
            let element = Element {
                name: local_name(raw_name),
                ..Element::default()
            };
            if self_closing {
                if let Some(parent) = stack.last_mut() {
                    parent.children.push(element);
                }
            } else {
                if stack.len() > MAX_DEPTH {
                    return Err(format!("nested deeper than {MAX_DEPTH} elements"));
                }
                stack.push(element);
            }
            rest = &after[end + 1..];
        }
    }
    if stack.len() != 1 {
        return Err("the XML ends inside an element".to_owned());
    }
    stack
        .pop()
        .and_then(|document| document.children.into_iter().next())
        .ok_or_else(|| "no root element".to_owned())
}

/// Appends character data to the open element (decoding entities); outside the root only
/// whitespace is allowed.
fn append_text(stack: &mut [Element], raw: &str) -> Result<(), String> {
    if raw.is_empty() {
        return Ok(());
    }
    if stack.len() == 1 {
        return if raw.trim().is_empty() {
            Ok(())
        } else {
            Err("text outside the root element".to_owned())
        };
    }
    let decoded = decode_entities(raw)?;
    if let Some(top) = stack.last_mut() {
        top.text.push_str(&decoded);
    }
    Ok(())
}

/// The rest of the input after `terminator`.
fn skip_past<'a>(input: &'a str, terminator: &str) -> Result<&'a str, String> {
    input
        .find(terminator)
        .map(|i| &input[i + terminator.len()..])
        .ok_or_else(|| format!("no closing {terminator:?}"))
}

/// Skips a `<!DOCTYPE …>`-style declaration, including a bracketed internal subset.
fn skip_declaration(input: &str) -> Result<&str, String> {
    let mut depth = 0usize;
    for (i, c) in input.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            '>' if depth == 0 => return Ok(&input[i + 1..]),
            _ => {}
        }
    }
    Err("an unterminated declaration".to_owned())
}

/// Where a start tag's closing `>` is, skipping `>` inside quoted attribute values.
fn tag_end(input: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    for (i, c) in input.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => return Some(i),
            (None, _) => {}
        }
    }
    None
}

/// `D:getETag` → `getetag`.
fn local_name(qualified: &str) -> String {
    qualified
        .rsplit(':')
        .next()
        .unwrap_or(qualified)
        .to_ascii_lowercase()
}

/// Decodes the predefined entities and numeric character references.
fn decode_entities(raw: &str) -> Result<String, String> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let semi = after
            .find(';')
            .filter(|&i| i <= 12)
            .ok_or_else(|| "a stray '&' in text".to_owned())?;
        let entity = &after[..semi];
        let decoded = match entity {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = if let Some(hex) = entity
                    .strip_prefix("#x")
                    .or_else(|| entity.strip_prefix("#X"))
                {
                    u32::from_str_radix(hex, 16).ok()
                } else if let Some(dec) = entity.strip_prefix('#') {
                    dec.parse().ok()
                } else {
                    None
                };
                code.and_then(char::from_u32)
                    .ok_or_else(|| format!("an unknown entity &{entity};"))?
            }
        };
        out.push(decoded);
        rest = &after[semi + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_and_case_are_ignored() {
        let root = parse(
            br#"<?xml version="1.0"?><D:Multistatus xmlns:D="DAV:"><d:HREF>/a</d:HREF><lp1:href a='>'>/b</lp1:href></D:Multistatus>"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(root.name, "multistatus");
        let hrefs: Vec<_> = root
            .children_named("href")
            .map(|e| e.text.as_str())
            .collect();
        assert_eq!(hrefs, ["/a", "/b"]);
    }

    #[test]
    fn entities_cdata_comments_and_empty_elements() {
        let root = parse(
            b"<!DOCTYPE x [<!ENTITY y 'z'>]><r><!-- c --><e>&quot;a&amp;b&#x41;&#66;&quot;</e><f/><g><![CDATA[<raw>]]></g></r>",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(root.child_text("e"), Some("\"a&bAB\""));
        assert_eq!(root.child_text("f"), Some(""));
        assert_eq!(root.child_text("g"), Some("<raw>"));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for bad in [
            &b""[..],
            b"not xml at all",
            b"<a><b></a>",
            b"<a>",
            b"</a>",
            b"<a></a><b></b>",
            b"<a>&bogus;</a>",
            b"<a>& </a>",
            b"<a",
            b"<a><!-- </a>",
            b"<a><![CDATA[x</a>",
            b"\xff\xfe<a/>",
            b"< >",
        ] {
            assert!(parse(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
        let deep = "<a>".repeat(1000) + &"</a>".repeat(1000);
        assert!(parse(deep.as_bytes()).is_err());
    }
}
