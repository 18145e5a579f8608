//! The one way SQL is built. Statements live in `sql/queries/*.sql`, included at build time so
//! they can be read (and run in psql) as SQL. Each file is parsed once into fixed text and
//! typed holes (`@settings@`, `@plan@` …); rendering appends, for each hole, a quoted
//! identifier, a quoted literal, a fixed fragment of the program's own, or a statement that was
//! itself rendered — and never scans its own output again. So a schema name is quoted once, at
//! the point of use, and whatever characters it holds (quotes, `@plan@`, `*/`, newlines) stay
//! inside that one identifier, as PostgreSQL's own `ri_triggers.c` builds its statements.
//!
//! A hole may stand only in SQL code: `cargo test` parses every template and fails on an
//! unknown hole or one inside a comment, a string, a quoted identifier or a dollar quote.
//! Values travel as `$n` parameters or through a literal hole; constants (the internal schema,
//! the detail limit) are written in the templates literally.
use pgrx::spi::{quote_identifier, quote_qualified_identifier};

/// A statement built only from fixed text and values quoted at the point of use. There is no
/// way to make one from a runtime string other than through the quoting methods.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Sql {
    text: String,
    /// How the names and values appended to it are spelled.
    spelling: Spelling,
}

/// How a statement spells a name or a value that holds characters beyond ASCII.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Spelling {
    /// As they are: statements the extension runs itself, in the server's own encoding.
    #[default]
    AsIs,
    /// As Unicode escapes (`U&"…"` identifiers, `E'\u…'` literals), for a migration script
    /// (§13): psql converts a script from its client encoding, and an ASCII text reads the
    /// same in every one. PostgreSQL 13 and later turn the escapes into any server encoding
    /// that has the character.
    Ascii,
}

impl Sql {
    /// Fixed text of the program's own.
    pub fn fixed(text: &'static str) -> Sql {
        Sql::spelled(Spelling::AsIs, text)
    }

    /// Fixed text, continued with names and values spelled as `spelling` says.
    pub fn spelled(spelling: Spelling, text: &'static str) -> Sql {
        Sql { text: text.to_string(), spelling }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn into_string(self) -> String {
        self.text
    }

    pub fn push(&mut self, text: &'static str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// One identifier, quoted as PostgreSQL's `quote_ident` would.
    pub fn ident(&mut self, name: &str) -> &mut Self {
        match self.spelling {
            Spelling::AsIs => self.text.push_str(&quote_identifier(name)),
            Spelling::Ascii => self.text.push_str(&ascii_identifier(name)),
        }
        self
    }

    /// `"schema".table`, quoted once.
    pub fn relation(&mut self, schema: &str, table: &str) -> &mut Self {
        match self.spelling {
            Spelling::AsIs => self.text.push_str(&quote_qualified_identifier(schema, table)),
            Spelling::Ascii => {
                self.ident(schema);
                self.text.push('.');
                self.ident(table);
            }
        }
        self
    }

    /// A string literal (or NULL), safe whatever `standard_conforming_strings` is.
    pub fn literal(&mut self, value: Option<&str>) -> &mut Self {
        match value {
            None => self.text.push_str("NULL"),
            Some(v) => match self.spelling {
                Spelling::AsIs => self.text.push_str(&quote_literal(v)),
                Spelling::Ascii => self.text.push_str(&ascii_literal(v)),
            },
        }
        self
    }

    // Used by the unit tests now; the migration script (§13) writes reasons and names here.
    #[allow(dead_code)]
    /// `/* text */`, where nothing in `text` can end the comment or open a nested one, and
    /// line breaks become spaces (so the comment stays on its line).
    pub fn comment(&mut self, text: &str) -> &mut Self {
        self.text.push_str("/* ");
        self.text.push_str(&comment_text(text));
        self.text.push_str(" */");
        self
    }

    /// A statement rendered before, appended as it is.
    pub fn statement(&mut self, other: &Sql) -> &mut Self {
        self.text.push_str(&other.text);
        self
    }
}

impl std::fmt::Display for Sql {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// PostgreSQL's `quote_literal`: quotes doubled; with a backslash in the value, the `E''` form
/// with backslashes doubled, which reads the same whatever `standard_conforming_strings` is.
pub fn quote_literal(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 3);
    if value.contains('\\') {
        out.push('E');
    }
    out.push('\'');
    for c in value.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// `quote_identifier`'s identifier, or for a name beyond ASCII the `U&"…"` form, each other
/// character as `\XXXX` or `\+XXXXXX` (the backslash itself doubled, a double quote doubled).
pub fn ascii_identifier(name: &str) -> String {
    if name.is_ascii() {
        return quote_identifier(name);
    }
    escaped(name, "U&", '"', |c| if c <= 0xFFFF { format!("\\{c:04X}") } else { format!("\\+{c:06X}") })
}

/// `quote_literal`'s literal, or for a value beyond ASCII the `E'…'` form, each other character
/// as `\uXXXX` or `\UXXXXXXXX`: read alike whatever `standard_conforming_strings` is.
pub fn ascii_literal(value: &str) -> String {
    if value.is_ascii() {
        return quote_literal(value);
    }
    escaped(value, "E", '\'', |c| if c <= 0xFFFF { format!("\\u{c:04X}") } else { format!("\\U{c:08X}") })
}

/// `value` in `quote`s after `prefix`: the quote and the backslash doubled, every character
/// beyond ASCII as `escape` writes its code point.
fn escaped(value: &str, prefix: &str, quote: char, escape: impl Fn(u32) -> String) -> String {
    let mut out = String::with_capacity(value.len() * 2 + 4);
    out.push_str(prefix);
    out.push(quote);
    for c in value.chars() {
        match c {
            c if c == quote || c == '\\' => {
                out.push(c);
                out.push(c);
            }
            c if c.is_ascii() => out.push(c),
            c => out.push_str(&escape(c as u32)),
        }
    }
    out.push(quote);
    out
}

#[allow(dead_code)]
/// Text for inside a block comment: `*/` and `/*` broken apart, line breaks as spaces.
pub fn comment_text(text: &str) -> String {
    let flat: String = text.chars().map(|c| if c == '\n' || c == '\r' { ' ' } else { c }).collect();
    // Repeated until stable: "*/*/" needs two passes once the first pair is broken.
    let mut out = flat;
    loop {
        let next = out.replace("*/", "* /").replace("/*", "/ *");
        if next == out {
            return out;
        }
        out = next;
    }
}

/// The holes a template may hold, each with the one kind of value that can fill it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hole {
    /// The target's tables, quoted and schema-qualified.
    Settings,
    Endpoints,
    Kit,
    /// A table the caller chooses (one statement serves several tables).
    Table,
    /// A statement rendered before (the migration's plan query; V107's candidate rows).
    Plan,
    Candidates,
    /// V114 up's settings rows whose key has a uuid's shape (v114_uuid_keys.sql).
    UuidKeys,
    /// A plan's blocker summary, over the plan's rows named `planned` (v114_down_summary.sql).
    Summary,
    /// The catalog facts only some tables have (catalog_rare.sql), or NULLs in their place.
    RareFacts,
    /// A migration's row blockers and their SQLSTATEs, `VALUES (name, code), …`
    /// (errors::RowBlocker::codes), for the preview's `blocked` rows.
    BlockerCodes,
    /// Fixed fragments of the program's own, chosen by the caller.
    Unpinned,
    Where,
    Label,
    /// Literal values.
    SchemaLiteral,
    KeyMax,
    /// A migration script's parts (§13, sql/queries/script_frame.sql): its parameters and
    /// data (literals), and the migration's own statements (rendered before).
    Params,
    SettingsData,
    EndpointsData,
    Dependents,
    DuplicateNames,
    Facts,
    Inputs,
    Digest,
    Rows,
    Locks,
    Recheck,
    Before,
    Apply,
    After,
    Verify,
    Image,
    Stamp,
}

impl Hole {
    fn takes_statement(self) -> bool {
        matches!(
            self,
            Hole::Plan
                | Hole::Candidates
                | Hole::UuidKeys
                | Hole::Summary
                | Hole::RareFacts
                | Hole::BlockerCodes
                | Hole::Facts
                | Hole::Inputs
                | Hole::Digest
                | Hole::Rows
                | Hole::Locks
                | Hole::Recheck
                | Hole::Before
                | Hole::Apply
                | Hole::After
                | Hole::Verify
                | Hole::Image
                | Hole::Stamp
        )
    }

    fn takes_literal(self) -> bool {
        matches!(self, Hole::SchemaLiteral | Hole::KeyMax | Hole::Params | Hole::SettingsData | Hole::EndpointsData | Hole::Dependents | Hole::DuplicateNames)
    }
}

const HOLES: &[(&str, Hole)] = &[
    ("settings", Hole::Settings),
    ("endpoints", Hole::Endpoints),
    ("kit", Hole::Kit),
    ("table", Hole::Table),
    ("plan", Hole::Plan),
    ("candidates", Hole::Candidates),
    ("uuid_keys", Hole::UuidKeys),
    ("summary", Hole::Summary),
    ("rare_facts", Hole::RareFacts),
    ("blocker_codes", Hole::BlockerCodes),
    ("unpinned", Hole::Unpinned),
    ("where", Hole::Where),
    ("label", Hole::Label),
    ("schema_literal", Hole::SchemaLiteral),
    ("key_max", Hole::KeyMax),
    ("params", Hole::Params),
    ("settings_data", Hole::SettingsData),
    ("endpoints_data", Hole::EndpointsData),
    ("dependents", Hole::Dependents),
    ("duplicate_names", Hole::DuplicateNames),
    ("facts", Hole::Facts),
    ("inputs", Hole::Inputs),
    ("digest", Hole::Digest),
    ("rows", Hole::Rows),
    ("locks", Hole::Locks),
    ("recheck", Hole::Recheck),
    ("before", Hole::Before),
    ("apply", Hole::Apply),
    ("after", Hole::After),
    ("verify", Hole::Verify),
    ("image", Hole::Image),
    ("stamp", Hole::Stamp),
];

/// What fills a hole.
pub enum Fill<'a> {
    /// One of the target schema's tables.
    Relation(crate::target::Table),
    Statement(&'a Sql),
    Fragment(&'static str),
    Literal(Option<&'a str>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece<'t> {
    Text(&'t str),
    Hole(Hole),
}

/// A parsed template: fixed text and holes, in order.
#[derive(Debug, Clone)]
pub struct Template<'t> {
    name: &'t str,
    pieces: Vec<Piece<'t>>,
}

impl<'t> Template<'t> {
    /// Splits `text` into fixed text and holes. A hole is `@name@` in SQL code; the same
    /// token inside a comment, a string, a quoted identifier or a dollar quote, or an unknown
    /// name, is an error.
    pub fn parse(name: &'t str, text: &'t str) -> Result<Template<'t>, String> {
        let mut pieces = Vec::new();
        let mut start = 0;
        for token in lex(text).map_err(|e| format!("{name}.sql: {e}"))? {
            match token {
                Token::Hole { at, end, name: hole } => {
                    let Some((_, kind)) = HOLES.iter().find(|(n, _)| *n == hole) else {
                        return Err(format!("{name}.sql: unknown hole @{hole}@ at byte {at}"));
                    };
                    if start < at {
                        pieces.push(Piece::Text(&text[start..at]));
                    }
                    pieces.push(Piece::Hole(*kind));
                    start = end;
                }
                Token::Buried { at, context, name: hole } => {
                    return Err(format!("{name}.sql: @{hole}@ inside {context} at byte {at}: holes stand only in SQL code"));
                }
            }
        }
        if start < text.len() {
            pieces.push(Piece::Text(&text[start..]));
        }
        Ok(Template { name, pieces })
    }

    #[cfg_attr(not(test), allow(dead_code))]
    pub fn holes(&self) -> impl Iterator<Item = Hole> + '_ {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Hole(h) => Some(*h),
            Piece::Text(_) => None,
        })
    }

    /// The statement for `schema`: the target's tables fill their holes, `fills` the others.
    /// A hole without its fill, or a fill of the wrong kind, is a bug of the program (the
    /// `#[pg_test]`s render every template), never something data can cause.
    pub fn render(&self, schema: &str, fills: &[(Hole, Fill)]) -> Sql {
        self.render_spelled(schema, Spelling::AsIs, fills)
    }

    /// `render`, with names and values spelled as `spelling` says.
    pub fn render_spelled(&self, schema: &str, spelling: Spelling, fills: &[(Hole, Fill)]) -> Sql {
        use crate::target::Table;
        let mut sql = Sql::spelled(spelling, "");
        for piece in &self.pieces {
            let hole = match piece {
                Piece::Text(text) => {
                    sql.text.push_str(text);
                    continue;
                }
                Piece::Hole(hole) => *hole,
            };
            let fill = fills.iter().find(|(h, _)| *h == hole).map(|(_, f)| f);
            match (hole, fill) {
                (_, Some(Fill::Relation(table))) if matches!(hole, Hole::Table | Hole::Settings | Hole::Endpoints | Hole::Kit) => {
                    sql.relation(schema, table.name());
                }
                (Hole::Settings, None) => {
                    sql.relation(schema, Table::Settings.name());
                }
                (Hole::Endpoints, None) => {
                    sql.relation(schema, Table::Endpoints.name());
                }
                (Hole::Kit, None) => {
                    sql.relation(schema, Table::Kit.name());
                }
                (Hole::SchemaLiteral, None) => {
                    sql.literal(Some(schema));
                }
                (hole, Some(Fill::Statement(s))) if hole.takes_statement() => {
                    sql.statement(s);
                }
                (Hole::Unpinned | Hole::Where | Hole::Label, Some(Fill::Fragment(f))) => {
                    sql.text.push_str(f);
                }
                (hole, Some(Fill::Literal(v))) if hole.takes_literal() => {
                    sql.literal(*v);
                }
                (hole, _) => panic!("template {}: hole {hole:?} has no fill of its kind", self.name),
            }
        }
        sql
    }
}

/// A template of `sql/queries/`, parsed on first use.
macro_rules! template {
    ($name:literal) => {{
        static TEMPLATE: std::sync::OnceLock<$crate::sql::Template<'static>> = std::sync::OnceLock::new();
        TEMPLATE.get_or_init(|| $crate::sql::Template::parse($name, include_str!(concat!("../sql/queries/", $name, ".sql"))).unwrap_or_else(|e| panic!("{e}")))
    }};
}
pub(crate) use template;

/// A file of `sql/queries/` holding several templates, each after a line `--- name`: one
/// migration's parts of a migration script (§13), read top-down in one file.
pub struct Sections(Vec<(&'static str, Template<'static>)>);

impl Sections {
    pub fn parse(file: &'static str, text: &'static str) -> Result<Sections, String> {
        let mut out = Vec::new();
        let mut rest = text;
        let mut current: Option<&'static str> = None;
        loop {
            let next = rest.find("\n--- ").map(|n| n + 1);
            let body = &rest[..next.unwrap_or(rest.len())];
            if let Some(name) = current {
                out.push((name, Template::parse(file, body).map_err(|e| format!("{file} section {name}: {e}"))?));
            }
            let Some(at) = next else { break };
            let line_end = rest[at..].find('\n').map_or(rest.len(), |n| at + n);
            current = Some(rest[at + 4..line_end].trim());
            rest = &rest[line_end..];
        }
        Ok(Sections(out))
    }

    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(n, _)| *n == name)
    }

    /// The section `name`; a missing one is a bug of the program (the tests render them all).
    pub fn get(&self, name: &str) -> &Template<'static> {
        self.0.iter().find(|(n, _)| *n == name).map(|(_, t)| t).unwrap_or_else(|| panic!("no section {name}"))
    }
}

macro_rules! sections {
    ($name:literal) => {{
        static SECTIONS: std::sync::OnceLock<$crate::sql::Sections> = std::sync::OnceLock::new();
        SECTIONS.get_or_init(|| $crate::sql::Sections::parse($name, include_str!(concat!("../sql/queries/", $name, ".sql"))).unwrap_or_else(|e| panic!("{e}")))
    }};
}
pub(crate) use sections;

enum Token<'t> {
    Hole { at: usize, end: usize, name: &'t str },
    Buried { at: usize, context: &'static str, name: &'t str },
}

/// The `@name@` tokens of `text`, each with where it stands. A small lexer of PostgreSQL's
/// syntax: line and (nested) block comments, string constants (`E''` with backslash
/// escapes), quoted identifiers and dollar quotes.
fn lex(text: &str) -> Result<Vec<Token<'_>>, String> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let ident_char = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80;
    while i < b.len() {
        let c = b[i];
        if c == b'-' && b.get(i + 1) == Some(&b'-') {
            let end = text[i..].find('\n').map_or(b.len(), |n| i + n);
            buried(text, i, end, "a comment", &mut out);
            i = end;
        } else if c == b'/' && b.get(i + 1) == Some(&b'*') {
            let (mut depth, mut j) = (1, i + 2);
            while j < b.len() && depth > 0 {
                if b[j] == b'/' && b.get(j + 1) == Some(&b'*') {
                    depth += 1;
                    j += 2;
                } else if b[j] == b'*' && b.get(j + 1) == Some(&b'/') {
                    depth -= 1;
                    j += 2;
                } else {
                    j += 1;
                }
            }
            if depth > 0 {
                return Err(format!("unterminated block comment at byte {i}"));
            }
            buried(text, i, j, "a comment", &mut out);
            i = j;
        } else if c == b'\'' {
            let escapes = i > 0 && (b[i - 1] == b'E' || b[i - 1] == b'e') && (i < 2 || !ident_char(b[i - 2]));
            let mut j = i + 1;
            loop {
                match b.get(j) {
                    None => return Err(format!("unterminated string at byte {i}")),
                    Some(b'\\') if escapes => j += 2,
                    Some(b'\'') if b.get(j + 1) == Some(&b'\'') => j += 2,
                    Some(b'\'') => break,
                    Some(_) => j += 1,
                }
            }
            if !escapes && text[i..j].contains('\\') {
                // A session may run with standard_conforming_strings off, which reads it as an escape.
                return Err(format!("a backslash in the plain string constant at byte {i}: write it as E'…' (or avoid it)"));
            }
            buried(text, i, j + 1, "a string constant", &mut out);
            i = j + 1;
        } else if c == b'"' {
            let mut j = i + 1;
            loop {
                match b.get(j) {
                    None => return Err(format!("unterminated quoted identifier at byte {i}")),
                    Some(b'"') if b.get(j + 1) == Some(&b'"') => j += 2,
                    Some(b'"') => break,
                    Some(_) => j += 1,
                }
            }
            buried(text, i, j + 1, "a quoted identifier", &mut out);
            i = j + 1;
        } else if c == b'$' && !(i > 0 && ident_char(b[i - 1])) && !b.get(i + 1).is_some_and(|d| d.is_ascii_digit()) {
            // A dollar quote $tag$ … $tag$ (a `$1` parameter is not one).
            let mut j = i + 1;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                j += 1;
            }
            if b.get(j) != Some(&b'$') {
                i += 1;
                continue;
            }
            let tag = &text[i..=j];
            let body = j + 1;
            let Some(close) = text[body..].find(tag) else {
                return Err(format!("unterminated dollar quote {tag} at byte {i}"));
            };
            let end = body + close + tag.len();
            buried(text, i, end, "a dollar quote", &mut out);
            i = end;
        } else if let Some((end, name)) = hole_at(text, i) {
            out.push(Token::Hole { at: i, end, name });
            i = end;
        } else {
            i += 1;
        }
    }
    Ok(out)
}

/// A hole token `@name@` starting at byte `i`: its end and its name.
fn hole_at(text: &str, i: usize) -> Option<(usize, &str)> {
    let b = text.as_bytes();
    if b.get(i) != Some(&b'@') {
        return None;
    }
    let mut j = i + 1;
    while j < b.len() && (b[j].is_ascii_lowercase() || b[j] == b'_') {
        j += 1;
    }
    (j > i + 1 && b.get(j) == Some(&b'@')).then(|| (j + 1, &text[i + 1..j]))
}

/// Hole tokens inside `text[from..to]`, a region that is not SQL code.
fn buried<'t>(text: &'t str, from: usize, to: usize, context: &'static str, out: &mut Vec<Token<'t>>) {
    let mut k = from;
    while k < to {
        if let Some((end, name)) = hole_at(text, k).filter(|(end, _)| *end <= to) {
            out.push(Token::Buried { at: k, context, name });
            k = end;
        } else {
            k += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holes(text: &str) -> Result<Vec<Hole>, String> {
        Template::parse("t", text).map(|t| t.holes().collect())
    }

    #[test]
    fn holes_in_code_are_found() {
        assert_eq!(holes("SELECT * FROM @settings@ s WHERE v @> '{}'").unwrap(), vec![Hole::Settings]);
        assert_eq!(holes("WITH p AS (@plan@) SELECT $1, a$b FROM p").unwrap(), vec![Hole::Plan]);
    }

    #[test]
    fn buried_or_unknown_holes_are_refused() {
        for text in [
            "SELECT 1 -- @settings@",
            "SELECT 1 /* a /* @plan@ */ */",
            "SELECT '@settings@'",
            "SELECT E'\\' @kit@'",
            "SELECT \"@kit@\"",
            "SELECT $q$ @plan@ $q$",
            "SELECT @nonsense@",
        ] {
            assert!(holes(text).is_err(), "{text}");
        }
        assert!(holes("SELECT 'it''s' || @kit@::text").is_ok());
    }

    #[test]
    fn every_template_parses_and_uses_the_detail_limit() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/sql/queries");
        let mut seen = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().and_then(|e| e.to_str()) != Some("sql") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let name = path.file_stem().unwrap().to_string_lossy().to_string();
            if let Err(e) = Template::parse(&name, &text) {
                panic!("{e}");
            }
            // The detail limit is written literally: every slice of a detail array uses it.
            for (at, _) in text.match_indices("[1:") {
                let n: String = text[at + 3..].chars().take_while(|c| c.is_ascii_digit()).collect();
                assert_eq!(n, phoenix_kit_mig_core::DETAIL_LIMIT.to_string(), "{name}.sql at byte {at}");
            }
            seen += 1;
        }
        assert!(seen > 20, "found {seen} templates");
    }

    /// Everything inside a migration script's DO block is ASCII: PostgreSQL converts the body
    /// from the applying client's encoding, and a '§' in a comment breaks it under SJIS or on a
    /// LATIN1 database (the data is ASCII by its own escaping, see script.rs).
    #[test]
    fn script_body_templates_are_ascii() {
        for name in [
            "catalog",
            "catalog_rare",
            "v107_index",
            "v107_down_dependents",
            "script_inputs",
            "script_frame",
            "script_v114_up",
            "script_v114_down",
            "script_v107_up",
            "script_v107_down",
        ] {
            let text = std::fs::read_to_string(format!("{}/sql/queries/{name}.sql", env!("CARGO_MANIFEST_DIR"))).unwrap();
            if let Some((at, c)) = text.char_indices().find(|(_, c)| !c.is_ascii()) {
                panic!("{name}.sql: {c:?} at byte {at}");
            }
        }
    }

    #[test]
    fn script_parts_have_their_sections() {
        let read = |name: &'static str| -> &'static str {
            Box::leak(std::fs::read_to_string(format!("{}/sql/queries/{name}.sql", env!("CARGO_MANIFEST_DIR"))).unwrap().into_boxed_str())
        };
        let inputs = Sections::parse("script_inputs", read("script_inputs")).unwrap();
        assert!(inputs.has("settings") && inputs.has("endpoints") && inputs.has("digest"));
        for migration in ["script_v114_up", "script_v114_down", "script_v107_up", "script_v107_down"] {
            let parts = Sections::parse(migration, read(migration)).unwrap();
            for section in ["rows", "apply", "verify", "image"] {
                assert!(parts.has(section), "{migration}: no section {section}");
            }
            // The header comment before the first section is not a part.
            assert!(!parts.0.iter().any(|(name, _)| name.is_empty()));
        }
        let frame = Template::parse("script_frame", read("script_frame")).unwrap();
        for hole in [Hole::Rows, Hole::Apply, Hole::Verify, Hole::Image, Hole::Inputs, Hole::Facts, Hole::Locks, Hole::Stamp] {
            assert!(frame.holes().any(|h| h == hole), "script_frame has no {hole:?}");
        }
    }

    #[test]
    fn literals_and_comments_cannot_be_left() {
        assert_eq!(quote_literal("a'b"), "'a''b'");
        assert_eq!(quote_literal("a\\'b"), "E'a\\\\''b'");
        let flat = comment_text("x */ DROP\n/* y */*/");
        assert!(!flat.contains("*/") && !flat.contains("/*") && !flat.contains('\n'), "{flat}");
        assert!(!comment_text("*/*/").contains("*/"));
        assert!(!comment_text("/*/*").contains("/*"));
    }
}

/// Named access to the one row of a summary query. A value that is missing or of another type
/// is an error of the program (raised, XX000), never read as 0 or an empty list.
pub struct Row<'a, 'conn>(pub &'a pgrx::spi::SpiTupleTable<'conn>);

impl Row<'_, '_> {
    pub fn get<T: pgrx::datum::FromDatum + pgrx::datum::IntoDatum>(&self, column: &str) -> Option<T> {
        self.0.get_by_name::<T, _>(column).unwrap_or_else(|e| crate::errors::MigError::internal(format!("column {column}: {e}")).raise())
    }

    /// A count: NULL is an error.
    pub fn count(&self, column: &str) -> i64 {
        self.get::<i64>(column).unwrap_or_else(|| crate::errors::MigError::internal(format!("count {column} was NULL")).raise())
    }

    /// Detail lines: NULL is `array_agg` over no rows, so no lines.
    pub fn lines(&self, column: &str) -> Vec<String> {
        self.get::<Vec<String>>(column).unwrap_or_default()
    }

    /// A JSON value read into its type: NULL or another shape is an error.
    pub fn json<T: serde::de::DeserializeOwned>(&self, column: &str) -> T {
        let value = self.get::<pgrx::JsonB>(column).unwrap_or_else(|| crate::errors::MigError::internal(format!("{column} was NULL")).raise());
        serde_json::from_value(value.0).unwrap_or_else(|e| crate::errors::MigError::internal(format!("{column} could not be read: {e}")).raise())
    }
}
