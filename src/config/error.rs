//! What the loader reports: one [`ConfigError`] per problem (file, key path, position, reason),
//! gathered into [`ConfigErrors`] so that an operator sees every mistake in one run.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::ser::{Serialize, SerializeStruct, Serializer};

/// One step of a [`KeyPath`]: a table key or an array index.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Segment {
    /// A key inside a table.
    Key(String),
    /// A position inside an array (0-based, as in `carriers[0]`).
    Index(usize),
}

/// Where a value lives in the file, written the way operators read it:
/// `carriers[1].binds.transceiver`, `accounts[0].tokens[2].sha256`. Empty for the whole file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyPath(Vec<Segment>);

impl KeyPath {
    /// The whole file.
    pub fn root() -> Self {
        KeyPath(Vec::new())
    }

    /// This path followed by `key`.
    pub fn key(&self, key: &str) -> Self {
        let mut segments = self.0.clone();
        segments.push(Segment::Key(key.to_owned()));
        KeyPath(segments)
    }

    /// This path followed by array position `index`.
    pub fn index(&self, index: usize) -> Self {
        let mut segments = self.0.clone();
        segments.push(Segment::Index(index));
        KeyPath(segments)
    }

    /// The steps from the top of the file.
    pub fn segments(&self) -> &[Segment] {
        &self.0
    }

    /// Whether `self` is `other` or lies above it (`carriers[0]` is above `carriers[0].port`).
    pub fn contains(&self, other: &KeyPath) -> bool {
        other.0.starts_with(&self.0)
    }

    pub(super) fn from_segments(segments: Vec<Segment>) -> Self {
        KeyPath(segments)
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Index(n) => write!(f, "[{n}]")?,
                Segment::Key(k) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    // Keys that TOML would need quotes for (an unknown key may be anything) are
                    // quoted, so the path stays unambiguous.
                    let bare = !k.is_empty()
                        && k.chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                    if bare {
                        f.write_str(k)?;
                    } else {
                        write!(f, "{k:?}")?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// A position in the file, both 1-based; the column counts characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Location {
    /// Line, from 1.
    pub line: usize,
    /// Column, from 1, in characters.
    pub column: usize,
}

/// One problem with a configuration file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The file, as the operator named it.
    pub file: PathBuf,
    /// The key the problem is about; empty when it is about the whole file.
    pub path: KeyPath,
    /// Where the key (or, for a missing key, the table that lacks it) is written, when known.
    pub location: Option<Location>,
    /// What is wrong, in words.
    pub reason: String,
}

impl ConfigError {
    /// A problem with the file as a whole (unreadable, not TOML).
    pub fn file(file: &Path, reason: impl Into<String>) -> Self {
        ConfigError {
            file: file.to_path_buf(),
            path: KeyPath::root(),
            location: None,
            reason: reason.into(),
        }
    }
}

/// `FILE:LINE:COLUMN: key.path: reason`, the shape compilers use so that editors can jump to
/// it; without a position `FILE: key.path: reason`.
impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(at) = self.location {
            write!(f, ":{}:{}", at.line, at.column)?;
        }
        if self.path.segments().is_empty() {
            write!(f, ": {}", self.reason)
        } else {
            write!(f, ": {}: {}", self.path, self.reason)
        }
    }
}

/// For `check-config --json`: `{"file", "line", "column", "path", "reason"}`, with `line` and
/// `column` null when unknown and `path` empty for the whole file.
impl Serialize for ConfigError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("ConfigError", 5)?;
        s.serialize_field("file", &self.file.display().to_string())?;
        s.serialize_field("line", &self.location.map(|l| l.line))?;
        s.serialize_field("column", &self.location.map(|l| l.column))?;
        s.serialize_field("path", &self.path.to_string())?;
        s.serialize_field("reason", &self.reason)?;
        s.end()
    }
}

/// Every problem found in one load, in file order; never empty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigErrors(Vec<ConfigError>);

impl ConfigErrors {
    /// Wraps the problems found; `errors` must not be empty.
    pub(super) fn new(errors: Vec<ConfigError>) -> Self {
        debug_assert!(!errors.is_empty());
        ConfigErrors(errors)
    }

    /// The problems, in file order.
    pub fn errors(&self) -> &[ConfigError] {
        &self.0
    }

    /// How many problems.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always false: a load that fails has at least one problem (for clippy's `len` rule).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<ConfigError> for ConfigErrors {
    fn from(error: ConfigError) -> Self {
        ConfigErrors(vec![error])
    }
}

impl IntoIterator for ConfigErrors {
    type Item = ConfigError;
    type IntoIter = std::vec::IntoIter<ConfigError>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// One problem per line.
impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

impl Serialize for ConfigErrors {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}
