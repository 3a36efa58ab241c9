//! Raw mirror → validated [`Config`]: one validator per section, all writing into one
//! [`Report`], so every problem in the file is found in one pass. A section whose values are
//! all valid yields its validated type; the whole config is built only when nothing is wrong.

mod account;
mod carrier;
mod log;
mod pem;
mod policy;
mod route;
mod service;

use std::fmt::Display;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::duration;
use super::error::KeyPath;
use super::raw::RawConfig;
use super::types::Config;

/// `None`: the value was wrong (or missing) and the problem is already in the [`Report`].
pub(super) type Valid<T> = Option<T>;

/// What validation may look at besides the file: its directory and the environment.
pub(super) struct Context<'a> {
    /// Relative paths in the file are relative to this directory.
    pub(super) base_dir: &'a Path,
    /// Looks up an environment variable (a parameter, so tests need not change the process's).
    pub(super) env: &'a dyn Fn(&str) -> Option<String>,
}

impl Context<'_> {
    /// `path` as written, resolved against the config file's directory.
    pub(super) fn resolve_path(&self, path: &str) -> PathBuf {
        self.base_dir.join(path)
    }
}

/// The problems found so far, each at its key path.
#[derive(Debug, Default)]
pub(super) struct Report {
    errors: Vec<(KeyPath, String)>,
}

impl Report {
    /// Records a problem with the value at `path`.
    pub(super) fn error(&mut self, path: &KeyPath, reason: impl Into<String>) {
        self.errors.push((path.clone(), reason.into()));
    }

    /// The result's value, or its error recorded at `path`.
    pub(super) fn check<T, E: Display>(
        &mut self,
        path: &KeyPath,
        result: Result<T, E>,
    ) -> Valid<T> {
        result.map_err(|e| self.error(path, e.to_string())).ok()
    }

    /// `value`, or "missing" recorded at `path`.
    pub(super) fn required<T>(&mut self, path: &KeyPath, value: Option<T>) -> Valid<T> {
        if value.is_none() {
            self.error(path, "missing (this key is required)");
        }
        value
    }

    /// An integer key within `range`, or `default` when absent.
    pub(super) fn int<T: TryFrom<i64>>(
        &mut self,
        path: &KeyPath,
        value: Option<i64>,
        range: RangeInclusive<i64>,
        default: T,
    ) -> Valid<T> {
        match value {
            None => Some(default),
            Some(v) => self.in_range(path, v, range),
        }
    }

    /// An optional integer key within `range`.
    pub(super) fn opt_int<T: TryFrom<i64>>(
        &mut self,
        path: &KeyPath,
        value: Option<i64>,
        range: RangeInclusive<i64>,
    ) -> Valid<Option<T>> {
        match value {
            None => Some(None),
            Some(v) => self.in_range(path, v, range).map(Some),
        }
    }

    /// A required integer key within `range`.
    pub(super) fn req_int<T: TryFrom<i64>>(
        &mut self,
        path: &KeyPath,
        value: Option<i64>,
        range: RangeInclusive<i64>,
    ) -> Valid<T> {
        let v = self.required(path, value)?;
        self.in_range(path, v, range)
    }

    fn in_range<T: TryFrom<i64>>(
        &mut self,
        path: &KeyPath,
        value: i64,
        range: RangeInclusive<i64>,
    ) -> Valid<T> {
        if range.contains(&value) {
            // The ranges callers give fit their types; a mismatch is reported, not a panic.
            if let Ok(v) = T::try_from(value) {
                return Some(v);
            }
        }
        let reason = if *range.end() == i64::MAX {
            format!(
                "{value} is too small: it must be at least {}",
                range.start()
            )
        } else {
            format!(
                "{value} is out of range: it must be from {} to {}",
                range.start(),
                range.end()
            )
        };
        self.error(path, reason);
        None
    }

    /// A duration key, `default` when absent; zero is refused unless `zero_ok`.
    pub(super) fn duration(
        &mut self,
        path: &KeyPath,
        value: Option<&str>,
        default: Duration,
        zero_ok: bool,
    ) -> Valid<Duration> {
        match value {
            None => Some(default),
            Some(text) => self.parse_duration(path, text, zero_ok),
        }
    }

    /// An optional duration key; zero is refused unless `zero_ok`.
    pub(super) fn opt_duration(
        &mut self,
        path: &KeyPath,
        value: Option<&str>,
        zero_ok: bool,
    ) -> Valid<Option<Duration>> {
        match value {
            None => Some(None),
            Some(text) => self.parse_duration(path, text, zero_ok).map(Some),
        }
    }

    fn parse_duration(&mut self, path: &KeyPath, text: &str, zero_ok: bool) -> Valid<Duration> {
        let d = self.check(path, duration::parse(text))?;
        if d.is_zero() && !zero_ok {
            self.error(path, "must be longer than 0s");
            return None;
        }
        Some(d)
    }

    /// A key naming a file or directory, resolved against the config file's directory.
    pub(super) fn path(&mut self, cx: &Context<'_>, path: &KeyPath, value: &str) -> Valid<PathBuf> {
        if value.is_empty() {
            self.error(path, "must not be empty");
            return None;
        }
        Some(cx.resolve_path(value))
    }

    /// The problems, each at its key path.
    pub(super) fn into_errors(self) -> Vec<(KeyPath, String)> {
        self.errors
    }
}

/// A name used as a label in logs and metrics (carrier names, account ids): 1 to 64 of
/// `A-Z a-z 0-9 . _ -`.
pub(super) fn check_label(report: &mut Report, path: &KeyPath, value: &str) -> Valid<String> {
    let ok = (1..=64).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Some(value.to_owned())
    } else {
        report.error(
            path,
            format!("{value:?} must be 1 to 64 letters, digits, '.', '_' or '-'"),
        );
        None
    }
}

/// Validates the whole file: the config when nothing is wrong, and every problem found.
pub(super) fn validate(raw: &RawConfig, file: &Path, cx: &Context<'_>) -> (Option<Config>, Report) {
    let mut report = Report::default();
    let root = KeyPath::root();
    let api = service::api(&mut report, cx, &root.key("api"), raw.api.as_ref());
    let admin = service::admin(&mut report, &root.key("admin"), raw.admin.as_ref());
    let log = log::log(&mut report, &root.key("log"), raw.log.as_ref());
    let store = service::store(&mut report, cx, &root.key("store"), raw.store.as_ref());
    let shutdown = service::shutdown(&mut report, &root.key("shutdown"), raw.shutdown.as_ref());
    let carriers = carrier::carriers(
        &mut report,
        cx,
        &root.key("carriers"),
        raw.carriers.as_deref(),
    );
    let routes = route::routes(
        &mut report,
        &root.key("routes"),
        raw.routes.as_deref(),
        &carriers,
    );
    let max_batch = api.as_ref().map(|a| a.max_batch);
    let accounts = account::accounts(
        &mut report,
        cx,
        &root.key("accounts"),
        raw.accounts.as_deref(),
        max_batch,
    );
    let config = (|| {
        Some(Config {
            file: file.to_path_buf(),
            api: api?,
            admin: admin?,
            log: log?,
            store: store?,
            carriers: carriers.valid?,
            routes: routes?,
            accounts: accounts?,
            shutdown: shutdown?,
        })
    })();
    (config, report)
}
