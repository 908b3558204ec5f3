//! Byte offsets of a file into 1-based lines and columns (in characters, like rustc).

/// Byte offset → 1-based line and column (in characters).
#[derive(Debug)]
pub(crate) struct LineIndex {
    starts: Vec<usize>,
}

/// A position found by [`LineIndex::cursor`]: 0-based line and column, and the offset.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cursor {
    offset: usize,
    line: usize,
    col: usize,
}

impl Cursor {
    /// 1-based line and column.
    pub(crate) fn position(self) -> (usize, usize) {
        (self.line + 1, self.col + 1)
    }
}

impl LineIndex {
    /// The start of every line of `source`.
    pub(crate) fn new(source: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', source.as_bytes()).map(|i| i + 1));
        LineIndex { starts }
    }

    /// 1-based line and column of byte `offset` (clamped to the end of `source`).
    pub(crate) fn position(&self, source: &str, offset: usize) -> (usize, usize) {
        self.cursor(source, offset, None).position()
    }

    /// [`LineIndex::position`] from a position found before (`from`): when `offset` is on
    /// the same line at or after it, only the characters between the two are counted (a
    /// cursor inside a character is never counted from: the slice between is refused).
    /// A legacy page has long lines and dozens of findings on each.
    pub(crate) fn cursor(&self, source: &str, offset: usize, from: Option<Cursor>) -> Cursor {
        let offset = offset.min(source.len());
        if let Some(f) = from
            && f.offset <= offset
            && self
                .starts
                .get(f.line + 1)
                .is_none_or(|&next| offset < next)
            && let Some(between) = source.get(f.offset..offset)
        {
            let col = f.col + between.chars().count();
            return Cursor { offset, col, ..f };
        }
        let line = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.starts[line];
        let col = source
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        Cursor { offset, line, col }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every offset (character boundaries or not, past the end too) from every earlier
    /// cursor: the same line and column as the lookup from scratch.
    #[test]
    fn cursors_from_earlier_positions_match_the_lookup_from_scratch() {
        let source = "аб\nвгд e\n\nёж – «з»\r\nzz\u{E000}x\n";
        let lines = LineIndex::new(source);
        let scratch = |o| {
            let o: usize = std::cmp::min(o, source.len());
            let before = &source.as_bytes()[..o];
            let line = before.iter().filter(|&&b| b == b'\n').count();
            let start = before
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |p| p + 1);
            let col = source
                .get(start..o)
                .map_or(o - start, |s| s.chars().count());
            (line + 1, col + 1)
        };
        let mut reused = 0;
        for from in 0..=source.len() + 2 {
            let f = lines.cursor(source, from, None);
            assert_eq!(f.position(), scratch(from), "offset {from}");
            assert_eq!(lines.position(source, from), scratch(from), "offset {from}");
            for to in 0..=source.len() + 2 {
                let got = lines.cursor(source, to, Some(f));
                assert_eq!(got.position(), scratch(to), "from {from} to {to}");
                reused += usize::from(to > from && got.line == f.line);
            }
        }
        assert!(reused > 50, "{reused}");
    }
}
