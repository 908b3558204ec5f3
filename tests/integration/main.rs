//! The integration tests, in one binary: each module runs the real `yasno` binary or library on
//! sites in temporary folders. One binary links the crate and its dependencies once instead of
//! six times, which is most of a fresh `cargo test` on a 2-core CI machine.

mod build;
mod check;
mod check_memory;
mod check_pinned;
mod collect;
mod collect_crash;
mod collect_disk;
mod collect_hostile;
mod collect_strict;
mod common;
mod content_props;
mod output;
mod qr;
mod serve;
