//! Printing a long list on every core, in order: the list is cut into chunks (whole files
//! where possible), a few chunks at a time are formatted in parallel, each into its own
//! buffer, and a writer thread writes the buffers in the list's order while the next
//! chunks are formatted. 600 MB of messages for a 10,000-page legacy site took a single
//! thread ~2 s after the parallel check had finished; only a few windows of formatted
//! text are ever held, never the whole output.

use std::io::Write;
use std::ops::Range;
use std::sync::mpsc::sync_channel;

use rayon::prelude::*;

/// Items per chunk (a chunk is one task and one buffer; ~850 bytes a message).
pub const CHUNK: usize = 512;
/// Chunks formatted at a time; with one window queued and one being written, about
/// 3 × 8 × 512 messages (~10 MB) are held at most.
const WINDOW: usize = 8;

/// Cuts `0..len` into ranges of about [`CHUNK`] items that end where `boundary(i)` is true
/// (item `i` starts a new group, e.g. a new file), so a file's messages share one chunk and
/// its text is read once. A group longer than a chunk is cut at [`CHUNK`] × 4 items.
pub fn chunks(len: usize, boundary: impl Fn(usize) -> bool) -> Vec<Range<usize>> {
    let mut out = Vec::with_capacity(len / CHUNK + 1);
    let mut start = 0;
    for i in 1..len {
        let n = i - start;
        if (n >= CHUNK && boundary(i)) || n >= 4 * CHUNK {
            out.push(start..i);
            start = i;
        }
    }
    if start < len {
        out.push(start..len);
    }
    out
}

/// Formats every range of `chunks` with `format` (in parallel, each into its own buffer)
/// and writes the buffers to `out` in the order of `chunks`. The first error, of a format
/// or a write, ends the output there (what the chunk had formatted before it is written)
/// and is returned.
pub fn write<F>(chunks: &[Range<usize>], format: F, out: &mut dyn Write) -> std::io::Result<()>
where
    F: Fn(Range<usize>, &mut Vec<u8>) -> std::io::Result<()> + Sync,
{
    type Formatted = (Vec<u8>, std::io::Result<()>);
    // One window waits while another is written: formatting and writing overlap.
    let (tx, rx) = sync_channel::<Vec<Formatted>>(1);
    let format = &format;
    std::thread::scope(|s| {
        // `tx` moves in: the writer's loop ends when the formatter is done.
        s.spawn(move || {
            for window in chunks.chunks(WINDOW) {
                let done: Vec<Formatted> = window
                    .par_iter()
                    .map(|r| {
                        let mut buf = Vec::new();
                        let res = format(r.clone(), &mut buf);
                        (buf, res)
                    })
                    .collect();
                let failed = done.iter().any(|(_, r)| r.is_err());
                // The writer stopped (a write failed): nothing more is needed.
                if tx.send(done).is_err() || failed {
                    return;
                }
            }
        });
        for window in rx {
            for (buf, res) in window {
                out.write_all(&buf)?;
                res?;
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_end_at_group_boundaries_and_cover_everything() {
        // Groups of 300 items: chunks close at the first boundary after CHUNK items.
        let len = 5_000;
        let cs = chunks(len, |i| i % 300 == 0);
        assert_eq!(cs.first(), Some(&(0..600)));
        assert!(cs.windows(2).all(|w| w[0].end == w[1].start));
        assert_eq!(cs.last().map(|r| r.end), Some(len));
        assert!(cs[..cs.len() - 1].iter().all(|r| r.end % 300 == 0));
        // One group longer than four chunks is still cut.
        let one = chunks(len, |_| false);
        assert!(one.iter().all(|r| r.len() <= 4 * CHUNK));
        assert_eq!(one.iter().map(|r| r.len()).sum::<usize>(), len);
        assert!(chunks(0, |_| true).is_empty());
    }

    #[test]
    fn output_keeps_the_order_of_the_chunks() {
        let len = 40_000;
        let cs = chunks(len, |i| i % 7 == 0);
        assert!(cs.len() > 2 * WINDOW);
        let mut out = Vec::new();
        write(
            &cs,
            |r, buf| {
                // Uneven work, so chunks finish out of order.
                if r.start % 3 == 0 {
                    std::thread::sleep(std::time::Duration::from_millis(2));
                }
                for i in r {
                    writeln!(buf, "{i}")?;
                }
                Ok(())
            },
            &mut out,
        )
        .unwrap();
        let expected: String = (0..len).map(|i| format!("{i}\n")).collect();
        assert_eq!(String::from_utf8(out).unwrap(), expected);
    }

    #[test]
    fn the_first_error_ends_the_output_after_what_came_before_it() {
        let cs = chunks(10_000, |_| true);
        let mut out = Vec::new();
        let err = write(
            &cs,
            |r, buf| {
                for i in r {
                    if i == 3_000 {
                        return Err(std::io::Error::other("bad"));
                    }
                    writeln!(buf, "{i}")?;
                }
                Ok(())
            },
            &mut out,
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "bad");
        let expected: String = (0..3_000).map(|i| format!("{i}\n")).collect();
        assert_eq!(String::from_utf8(out).unwrap(), expected);
    }
}
