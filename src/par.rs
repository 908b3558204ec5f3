//! How the parallel loops over a site's pages share their work between cores.

/// The most items one task of a parallel loop over pages takes on without splitting
/// (rayon's `with_max_len`).
///
/// Rayon splits a loop into a few large pieces unless another core steals one. In a build
/// both cores are busy with the check and the rendering, so nothing is stolen until one of
/// them runs out of work; the other then finishes a piece of thousands of pages alone
/// while the first waits. Pieces of at most this many pages can be stolen to the end.
pub const LEAF: usize = 16;
