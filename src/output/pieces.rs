//! Files too big to hold in memory whole, written into the staging folder piece by piece.

use std::io::{self, Write as _};
use std::path::PathBuf;

use super::disk::create_new;
use super::manifest::FileRecord;
use super::staging::Staging;
use super::{OutputError, io_err};

/// A file being written into the staging folder piece by piece (see
/// [`Staging::create_pieces`]); it is recorded when [`Staging::finish_pieces`] takes it.
pub struct PieceFile {
    rel: String,
    path: PathBuf,
    file: io::BufWriter<std::fs::File>,
    hash: xxhash_rust::xxh3::Xxh3,
}

impl PieceFile {
    /// Appends `piece`.
    pub fn write(&mut self, piece: &[u8]) -> Result<(), OutputError> {
        self.hash.update(piece);
        self.file.write_all(piece).map_err(io_err(&self.path))
    }
}

impl Staging {
    /// Starts a file that is written in pieces, for one too big to hold in memory whole. It
    /// is always written (never linked from the previous output).
    pub fn create_pieces(&self, rel: &str) -> Result<PieceFile, OutputError> {
        let path = self.dir.path().join(rel);
        let file = self.place(rel, &path, create_new).map_err(io_err(&path))?;
        Ok(PieceFile {
            rel: rel.to_owned(),
            file: io::BufWriter::with_capacity(256 * 1024, file),
            path,
            hash: xxhash_rust::xxh3::Xxh3::new(),
        })
    }

    /// Completes a file started with [`Staging::create_pieces`], made from inputs whose hash
    /// is `source` (0 when not known: see [`Staging::write_derived`]).
    pub fn finish_pieces(&self, f: PieceFile, source: u128) -> Result<(), OutputError> {
        let PieceFile {
            rel,
            path,
            file,
            hash,
        } = f;
        let file = file
            .into_inner()
            .map_err(|e| io_err(&path)(e.into_error()))?;
        let meta = file.metadata().map_err(io_err(&path))?;
        let record = FileRecord {
            source,
            ..FileRecord::of(hash.digest128(), &meta)
        };
        self.record(rel, record, &path)
    }
}
