//! Pure-Rust rules behind the `phoenix_kit_mig` PostgreSQL extension: the single
//! source of truth for PhoenixKit's V107/V114 data-migration rules
//! (docs/behaviour.md §3, §4, §6, §7).
//!
//! The extension calls these from IMMUTABLE SQL functions evaluated per row inside
//! set-based UPDATEs, so every function here is total (never panics on any input)
//! and borrows from its input wherever the result is a substring of it.

pub mod key;
pub mod latest;
pub mod report;
pub mod timestamp;
pub mod uuid_text;
pub mod v114;

pub use key::*;
pub use latest::*;
pub use report::*;
pub use timestamp::*;
pub use uuid_text::*;
pub use v114::*;
