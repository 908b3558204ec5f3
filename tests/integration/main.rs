//! The integration tests, in one binary: each module runs the real `yasno` binary or library on
//! sites in temporary folders. One binary links the crate and its dependencies once instead of
//! six times, which is most of a fresh `cargo test` on a 2-core CI machine.

mod build;
mod cache_paths;
mod check;
mod check_decisions;
mod check_memory;
mod check_pinned;
mod collect;
mod collect_backup;
mod collect_crash;
mod collect_disk;
mod collect_hostile;
mod collect_pg;
mod collect_strict;
mod collector_process;
mod common;
mod content_props;
mod deploy;
mod deploy_systemd;
mod handbook;
mod languages;
mod output;
mod page_reuse;
mod pg;
mod print_parallel;
mod qr;
mod report_control;
mod report_import;
mod report_pages;
mod serve;
mod source_reread;
mod survey_languages;
