//! The hunks of `diff -u` as GNU diffutils 3.8 prints them, computed in process.
//!
//! `format -d` must print what `buf format -d` prints, and buf runs the system
//! `diff -u` once per changed file. Starting a process per file is slow on large
//! workspaces, so this module reproduces GNU diff's output byte for byte instead.
//!
//! Being "a minimal diff" is not enough for that: when several edit scripts are
//! equally short, and when GNU diff gives up on minimality for large inputs, its
//! output follows from the exact steps of its algorithm. So this file walks the
//! same pipeline, with the same tie-breaks:
//!
//! ```text
//! split into lines -> trim the common ends, keeping a horizon of context
//!   -> number the lines by equivalence class -> discard confusing lines
//!   -> Myers' middle-snake search, with the TOO_EXPENSIVE cut-off
//!   -> shift change groups -> group into hunks -> print
//! ```
//!
//! Only the behaviour of `diff -u` with no other options is reproduced: three
//! lines of context, no `--minimal`, no `--speed-large-files`, no whitespace or
//! case folding, English messages.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::{Index, IndexMut};

/// Lines of context around each change (`-u` means `-U 3`).
const CONTEXT: usize = 3;

/// How many lines of the identical prefix and suffix stay in the analysed
/// region. GNU diff raises its horizon to the context width, so that
/// `shift_boundaries` may slide the first and last change groups.
const HORIZON: usize = CONTEXT;

/// Two change groups closer than this many unchanged lines share one hunk,
/// because their contexts would touch or overlap.
const HUNK_MERGE_GAP: usize = 2 * CONTEXT + 1;

/// What GNU diff prints after a line that has no trailing newline.
const NO_NEWLINE_MARKER: &[u8] = b"\n\\ No newline at end of file\n";

/// The hunks GNU diffutils 3.8 `diff -u OLD NEW` prints for these two inputs,
/// i.e. everything after its `---`/`+++` header lines, byte for byte
/// (`@@ -a,b +c,d @@` lines, ' '/'-'/'+' lines, and the
/// `\ No newline at end of file` markers). Empty when the inputs are equal.
/// None when GNU diff would not treat the inputs as text (a NUL byte in either),
/// so that the caller can fall back to running the real `diff`.
#[must_use]
pub fn unified_hunks(old: &[u8], new: &[u8]) -> Option<Vec<u8>> {
    // GNU diff only looks for NUL in the first buffer it reads; refusing any
    // NUL at all is stricter, and the caller's fallback covers the rest.
    if old.contains(&0) || new.contains(&0) {
        return None;
    }
    if old == new {
        return Some(Vec::new());
    }

    let old_lines = split_lines(old);
    let new_lines = split_lines(new);
    let (prefix, suffix) = common_ends(&old_lines, &new_lines);
    let region = [
        &old_lines[prefix..old_lines.len() - suffix],
        &new_lines[prefix..new_lines.len() - suffix],
    ];

    let (classes, class_count) = classify(region);
    let equivs = [classes[0].as_slice(), classes[1].as_slice()];
    let mut changed = [Flags::new(region[0].len()), Flags::new(region[1].len())];
    let kept = discard_confusing_lines(equivs, class_count, &mut changed);
    Myers::new(&kept).compare(&kept, &mut changed);
    shift_boundaries(equivs, &mut changed);

    let changes = edit_script(&changed, region, prefix);
    let mut out = Vec::new();
    for hunk in group_hunks(&changes) {
        print_hunk(hunk, &old_lines, &new_lines, &mut out);
    }
    Some(out)
}

/// Splits text into lines that keep their newline; only the last line may lack
/// one. Keeping the newline makes an unterminated last line differ from the same
/// text with a newline, as it does for GNU diff.
fn split_lines(text: &[u8]) -> Vec<&[u8]> {
    text.split_inclusive(|&byte| byte == b'\n').collect()
}

/// How many lines to leave out of the analysis at the start and at the end,
/// as GNU diff's `find_identical_ends` decides.
///
/// GNU diff compares bytes, then rounds to lines and keeps `HORIZON` lines of
/// each identical end in the analysed region. Counted in whole lines this
/// comes to: the identical leading lines, less the horizon; and the identical
/// trailing lines (which may not reach back into the prefix just removed),
/// less the horizon. A trailing partial-line match never counts, because GNU
/// diff then skips to the next line start before keeping its horizon.
fn common_ends(old: &[&[u8]], new: &[&[u8]]) -> (usize, usize) {
    let same_head = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let prefix = same_head.saturating_sub(HORIZON);
    let room = old.len().min(new.len()) - prefix;
    let same_tail = old
        .iter()
        .rev()
        .zip(new.iter().rev())
        .take(room)
        .take_while(|(a, b)| a == b)
        .count();
    (prefix, same_tail.saturating_sub(HORIZON))
}

/// Numbers the lines of both regions so that equal lines share a number.
/// Only equality matters to the algorithm, not the numbers themselves.
/// Also returns how many distinct lines there are.
fn classify(region: [&[&[u8]]; 2]) -> ([Vec<usize>; 2], usize) {
    let mut ids: HashMap<&[u8], usize, BuildHasherDefault<LineHasher>> = HashMap::default();
    ids.reserve(region[0].len() + region[1].len());
    let classes = region.map(|lines| {
        lines
            .iter()
            .map(|&line| {
                let next = ids.len();
                *ids.entry(line).or_insert(next)
            })
            .collect()
    });
    (classes, ids.len())
}

/// A fast hash for lines (the default `SipHash` guards against hash flooding,
/// which cannot hurt more than speed here).
#[derive(Default)]
struct LineHasher(u64);

impl Hasher for LineHasher {
    fn write(&mut self, bytes: &[u8]) {
        const MIX: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut hash = self.0;
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            let mut buf = [0u8; 8];
            buf.copy_from_slice(word);
            hash = (hash.rotate_left(5) ^ u64::from_le_bytes(buf)).wrapping_mul(MIX);
        }
        for &byte in words.remainder() {
            hash = (hash.rotate_left(5) ^ u64::from(byte)).wrapping_mul(MIX);
        }
        self.0 = hash;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// One "changed" flag per line of a region, with a permanently false guard
/// before the first line (index -1) and after the last (index len). GNU diff's
/// loops lean on these guards to stop, so the indices here are signed.
struct Flags {
    bits: Vec<bool>,
}

impl Flags {
    fn new(len: usize) -> Self {
        Flags {
            bits: vec![false; len + 2],
        }
    }

    fn get(&self, line: isize) -> bool {
        self.bits[(line + 1) as usize]
    }

    fn set(&mut self, line: isize, value: bool) {
        self.bits[(line + 1) as usize] = value;
    }
}

/// The lines of one region that survive `discard_confusing_lines`: their class
/// numbers, and where each sits in the region.
struct Kept {
    classes: Vec<usize>,
    lines: Vec<usize>,
}

/// How `discard_confusing_lines` rates one line.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Discard {
    Keep,
    /// No equal line in the other file: certainly changed.
    Yes,
    /// Many equal lines in the other file: dropped only inside a run of
    /// certain discards, where it would only confuse the search.
    Maybe,
}

/// GNU diff's pre-pass: lines without a match in the other file are marked as
/// changed right away and hidden from the search, and so are lines with very
/// many matches when they sit inside a run of such unmatched lines. This makes
/// the search faster and also changes which script it finds, so the rules
/// below are GNU diff's, thresholds and all.
fn discard_confusing_lines(
    equivs: [&[usize]; 2],
    classes: usize,
    changed: &mut [Flags; 2],
) -> [Kept; 2] {
    let mut counts = [vec![0usize; classes], vec![0usize; classes]];
    for (count, lines) in counts.iter_mut().zip(equivs) {
        for &class in lines {
            count[class] += 1;
        }
    }

    [0, 1].map(|f| {
        let lines = equivs[f];
        let other_counts = &counts[1 - f];
        // "Many" grows with about the square root of the line count.
        let many = 5usize
            << (if lines.len() < 64 {
                0
            } else {
                lines.len().ilog2() / 2 - 3
            });
        let mut marks: Vec<Discard> = lines
            .iter()
            .map(|&class| match other_counts[class] {
                0 => Discard::Yes,
                n if n > many => Discard::Maybe,
                _ => Discard::Keep,
            })
            .collect();
        settle_provisional_discards(&mut marks);

        let mut kept = Kept {
            classes: Vec::new(),
            lines: Vec::new(),
        };
        for (line, (&class, mark)) in lines.iter().zip(marks).enumerate() {
            if mark == Discard::Keep {
                kept.classes.push(class);
                kept.lines.push(line);
            } else {
                changed[f].set(line as isize, true);
            }
        }
        kept
    })
}

/// Decides each `Maybe`: it is dropped only well inside a run of discards that
/// starts and ends with a certain one, is not too provisional overall, and is
/// not part of a long streak of provisionals. Mirrors GNU diff's scan exactly,
/// including where it resumes after each run.
fn settle_provisional_discards(marks: &mut [Discard]) {
    let end = marks.len();
    let mut i = 0;
    while i < end {
        match marks[i] {
            Discard::Keep => {}
            // A provisional line not preceded by a certain discard stays.
            Discard::Maybe => marks[i] = Discard::Keep,
            Discard::Yes => {
                // Find the run of discardable lines starting here.
                let mut j = i;
                let mut provisional = 0;
                while j < end && marks[j] != Discard::Keep {
                    if marks[j] == Discard::Maybe {
                        provisional += 1;
                    }
                    j += 1;
                }
                // The run must end with a certain discard too.
                while j > i && marks[j - 1] == Discard::Maybe {
                    j -= 1;
                    marks[j] = Discard::Keep;
                    provisional -= 1;
                }
                let length = j - i;
                let run = &mut marks[i..j];

                if provisional * 4 > length {
                    // Too provisional a run: keep all its provisional lines.
                    // GNU diff then resumes the scan at the next line, inside
                    // this run, so later certain discards start runs of their own.
                    for mark in run.iter_mut().filter(|m| **m == Discard::Maybe) {
                        *mark = Discard::Keep;
                    }
                } else {
                    cancel_long_provisional_streaks(run);
                    keep_provisionals_near_run_end(run.iter_mut());
                    keep_provisionals_near_run_end(run.iter_mut().rev());
                    // Resume after the run.
                    i += length - 1;
                }
            }
        }
        i += 1;
    }
}

/// Within a run, a streak of `minimum` or more provisional lines (about the
/// square root of a quarter of the run length) is kept entirely.
fn cancel_long_provisional_streaks(run: &mut [Discard]) {
    let length = run.len();
    let minimum = if length < 4 {
        2
    } else {
        (1 << (length.ilog2() / 2 - 1)) + 1
    };
    let mut streak = 0;
    let mut k = 0;
    while k < length {
        if run[k] == Discard::Maybe {
            streak += 1;
            if streak == minimum {
                // Walk this streak again from its start, keeping every line;
                // `streak` stays above `minimum` until the streak ends.
                k = k + 1 - streak;
                continue;
            }
            if streak > minimum {
                run[k] = Discard::Keep;
            }
        } else {
            streak = 0;
        }
        k += 1;
    }
}

/// From one end of a run, keeps provisional lines until three certain
/// discards in a row are seen, or a certain discard at least 8 lines in.
fn keep_provisionals_near_run_end<'a>(marks: impl Iterator<Item = &'a mut Discard>) {
    let mut certain_in_a_row = 0;
    for (distance, mark) in marks.enumerate() {
        if distance >= 8 && *mark == Discard::Yes {
            break;
        }
        match *mark {
            Discard::Maybe => {
                certain_in_a_row = 0;
                *mark = Discard::Keep;
            }
            Discard::Keep => certain_in_a_row = 0,
            Discard::Yes => certain_in_a_row += 1,
        }
        if certain_in_a_row == 3 {
            break;
        }
    }
}

/// One x coordinate per diagonal `d = x - y`, indexed by the (possibly
/// negative) diagonal number. It spans every diagonal of the problem plus one
/// guard on each side: from `-(ylen + 1)` to `xlen + 1`.
struct Diagonals {
    values: Vec<isize>,
    origin: isize,
}

impl Diagonals {
    fn new(ylen: usize, count: usize) -> Self {
        Diagonals {
            values: vec![0; count],
            origin: ylen as isize + 1,
        }
    }
}

impl Index<isize> for Diagonals {
    type Output = isize;

    fn index(&self, d: isize) -> &isize {
        &self.values[(d + self.origin) as usize]
    }
}

impl IndexMut<isize> for Diagonals {
    fn index_mut(&mut self, d: isize) -> &mut isize {
        &mut self.values[(d + self.origin) as usize]
    }
}

/// Where `Myers::middle` splits a problem, and whether each half must then be
/// solved minimally (it must, once the cost cut-off made this split a guess).
struct Split {
    x: isize,
    y: isize,
    low_minimal: bool,
    high_minimal: bool,
}

/// Myers' O(ND) search with a middle snake, as in gnulib's `diffseq.h`: the
/// same loop directions, the same tie-breaks, and the same `TOO_EXPENSIVE`
/// cut-off, because these decide which of several shortest scripts is found.
struct Myers<'a> {
    xv: &'a [usize],
    yv: &'a [usize],
    /// Furthest x reached on each diagonal by the forward search.
    fd: Diagonals,
    /// Smallest x reached on each diagonal by the backward search.
    bd: Diagonals,
    /// Cost after which the search stops looking for the middle snake and
    /// settles for the most promising point found so far.
    too_expensive: isize,
}

impl<'a> Myers<'a> {
    fn new(kept: &'a [Kept; 2]) -> Self {
        let (xlen, ylen) = (kept[0].classes.len(), kept[1].classes.len());
        let diagonals = xlen + ylen + 3;
        // About the square root of the input size, but at least 4096.
        let too_expensive = (1usize << (diagonals.ilog2() / 2 + 1)).max(4096);
        Myers {
            xv: &kept[0].classes,
            yv: &kept[1].classes,
            fd: Diagonals::new(ylen, diagonals),
            bd: Diagonals::new(ylen, diagonals),
            too_expensive: too_expensive as isize,
        }
    }

    fn same(&self, x: isize, y: isize) -> bool {
        self.xv[x as usize] == self.yv[y as usize]
    }

    /// Marks the deleted and inserted lines of a shortest (or, past the cost
    /// cut-off, short enough) script turning `xv` into `yv`. GNU diff recurses;
    /// a stack gives the same result, since the subproblems are independent.
    fn compare(&mut self, kept: &[Kept; 2], changed: &mut [Flags; 2]) {
        let mut todo = vec![(0, self.xv.len() as isize, 0, self.yv.len() as isize, false)];
        while let Some((mut xoff, mut xlim, mut yoff, mut ylim, minimal)) = todo.pop() {
            // Skip the matching lines at both ends of this subproblem.
            while xoff < xlim && yoff < ylim && self.same(xoff, yoff) {
                xoff += 1;
                yoff += 1;
            }
            while xoff < xlim && yoff < ylim && self.same(xlim - 1, ylim - 1) {
                xlim -= 1;
                ylim -= 1;
            }

            if xoff == xlim {
                for y in yoff..ylim {
                    changed[1].set(kept[1].lines[y as usize] as isize, true);
                }
            } else if yoff == ylim {
                for x in xoff..xlim {
                    changed[0].set(kept[0].lines[x as usize] as isize, true);
                }
            } else {
                let split = self.middle(xoff, xlim, yoff, ylim, minimal);
                todo.push((split.x, xlim, split.y, ylim, split.high_minimal));
                todo.push((xoff, split.x, yoff, split.y, split.low_minimal));
            }
        }
    }

    /// Finds the middle of a shortest script for `xv[xoff..xlim]` against
    /// `yv[yoff..ylim]`, whose first and last elements differ, by searching
    /// forward from the start and backward from the end until the two meet.
    /// Diagonal `d` holds the points with `x - y == d`.
    fn middle(
        &mut self,
        xoff: isize,
        xlim: isize,
        yoff: isize,
        ylim: isize,
        minimal: bool,
    ) -> Split {
        let dmin = xoff - ylim;
        let dmax = xlim - yoff;
        let fmid = xoff - yoff;
        let bmid = xlim - ylim;
        let (mut fmin, mut fmax) = (fmid, fmid);
        let (mut bmin, mut bmax) = (bmid, bmid);
        // When the corners' diagonals differ by an odd amount, the searches
        // can only meet during a forward step; otherwise during a backward one.
        let odd = (fmid - bmid) & 1 != 0;

        // Snakes may not run past the limits forward, nor before the offsets
        // backward; slicing makes the bounds checks enforce that.
        let (xv, yv) = (self.xv, self.yv);
        let (xs, ys) = (&xv[..xlim as usize], &yv[..ylim as usize]);
        let (xb, yb) = (&xv[xoff as usize..], &yv[yoff as usize..]);

        self.fd[fmid] = xoff;
        self.bd[bmid] = xlim;

        let mut cost: isize = 1;
        loop {
            // One more edit forward: widen the range of diagonals, planting
            // guards just outside it, then extend each diagonal's snake.
            if fmin > dmin {
                fmin -= 1;
                self.fd[fmin - 1] = -1;
            } else {
                fmin += 1;
            }
            if fmax < dmax {
                fmax += 1;
                self.fd[fmax + 1] = -1;
            } else {
                fmax -= 1;
            }
            let mut d = fmax;
            while d >= fmin {
                let (below, above) = (self.fd[d - 1], self.fd[d + 1]);
                let start = if below < above { above } else { below + 1 };
                let (mut x, mut y) = (start, start - d);
                // `get` fails past the limits (and for a negative index,
                // which wraps to a huge one), ending the snake there.
                while let (Some(a), Some(b)) = (xs.get(x as usize), ys.get(y as usize))
                    && a == b
                {
                    x += 1;
                    y += 1;
                }
                self.fd[d] = x;
                if odd && bmin <= d && d <= bmax && self.bd[d] <= x {
                    return Split {
                        x,
                        y,
                        low_minimal: true,
                        high_minimal: true,
                    };
                }
                d -= 2;
            }

            // One more edit backward, likewise.
            if bmin > dmin {
                bmin -= 1;
                self.bd[bmin - 1] = isize::MAX;
            } else {
                bmin += 1;
            }
            if bmax < dmax {
                bmax += 1;
                self.bd[bmax + 1] = isize::MAX;
            } else {
                bmax -= 1;
            }
            let mut d = bmax;
            while d >= bmin {
                let (below, above) = (self.bd[d - 1], self.bd[d + 1]);
                let start = if below < above { below } else { above - 1 };
                let (mut x, mut y) = (start, start - d);
                while let (Some(a), Some(b)) = (
                    xb.get((x - 1 - xoff) as usize),
                    yb.get((y - 1 - yoff) as usize),
                ) && a == b
                {
                    x -= 1;
                    y -= 1;
                }
                self.bd[d] = x;
                if !odd && fmin <= d && d <= fmax && x <= self.fd[d] {
                    return Split {
                        x,
                        y,
                        low_minimal: true,
                        high_minimal: true,
                    };
                }
                d -= 2;
            }

            if !minimal && cost >= self.too_expensive {
                return self.best_guess(xoff, xlim, yoff, ylim, [fmin, fmax], [bmin, bmax]);
            }
            cost += 1;
        }
    }

    /// The `TOO_EXPENSIVE` way out: split at whichever search front got further
    /// (measured in x + y), and require the half it has not explored to be
    /// solved minimally.
    fn best_guess(
        &self,
        xoff: isize,
        xlim: isize,
        yoff: isize,
        ylim: isize,
        [fmin, fmax]: [isize; 2],
        [bmin, bmax]: [isize; 2],
    ) -> Split {
        // The forward diagonal that maximizes x + y (the first one wins ties,
        // scanning from the highest diagonal down).
        let (mut fxy_best, mut fx_best) = (-1, 0);
        let mut d = fmax;
        while d >= fmin {
            let mut x = self.fd[d].min(xlim);
            let mut y = x - d;
            if ylim < y {
                x = ylim + d;
                y = ylim;
            }
            if fxy_best < x + y {
                fxy_best = x + y;
                fx_best = x;
            }
            d -= 2;
        }

        // The backward diagonal that minimizes x + y.
        let (mut bxy_best, mut bx_best) = (isize::MAX, 0);
        let mut d = bmax;
        while d >= bmin {
            let mut x = self.bd[d].max(xoff);
            let mut y = x - d;
            if y < yoff {
                x = yoff + d;
                y = yoff;
            }
            if x + y < bxy_best {
                bxy_best = x + y;
                bx_best = x;
            }
            d -= 2;
        }

        if (xlim + ylim) - bxy_best < fxy_best - (xoff + yoff) {
            Split {
                x: fx_best,
                y: fxy_best - fx_best,
                low_minimal: true,
                high_minimal: false,
            }
        } else {
            Split {
                x: bx_best,
                y: bxy_best - bx_best,
                low_minimal: false,
                high_minimal: true,
            }
        }
    }
}

/// Slides each group of changed lines, where equal lines allow it, first to
/// merge with neighbouring groups, then to line up with a group of changes in
/// the other file; with nothing to line up with, a group ends as far down as
/// it can go. The search marks the first of two equal lines as changed; GNU
/// diff prefers the later one, and the output must follow it.
fn shift_boundaries(equivs: [&[usize]; 2], changed: &mut [Flags; 2]) {
    for f in 0..2 {
        let [first, second] = &mut *changed;
        let (this, other): (&mut Flags, &Flags) = if f == 0 {
            (first, second)
        } else {
            (second, first)
        };
        let equivs = equivs[f];
        let class = |line: isize| equivs[line as usize];
        let end = equivs.len() as isize;
        // `i` walks this file; `j` follows the matching position in the other.
        let mut i: isize = 0;
        let mut j: isize = 0;

        loop {
            // Find the start of the next group of changes, stepping `j` over
            // the other file's changes and one matched line per matched line.
            while i < end && !this.get(i) {
                while other.get(j) {
                    j += 1;
                }
                j += 1;
                i += 1;
            }
            if i == end {
                break;
            }

            // The group is lines start..i.
            let mut start = i;
            i += 1;
            while this.get(i) {
                i += 1;
            }
            while other.get(j) {
                j += 1;
            }

            // Where the group ends when it last lined up with changes in the
            // other file; `end` when it never did.
            let mut corresponding;
            loop {
                let group_len = i - start;

                // Slide up while the line above equals the group's last line,
                // swallowing any group this runs into.
                while start > 0 && class(start - 1) == class(i - 1) {
                    start -= 1;
                    this.set(start, true);
                    i -= 1;
                    this.set(i, false);
                    while this.get(start - 1) {
                        start -= 1;
                    }
                    j -= 1;
                    while other.get(j) {
                        j -= 1;
                    }
                }

                corresponding = if other.get(j - 1) { i } else { end };

                // Slide down while the line below equals the group's first
                // line, swallowing any group this runs into. Done second, so
                // a group that merges with nothing ends up as low as it can.
                while i != end && class(start) == class(i) {
                    this.set(start, false);
                    start += 1;
                    this.set(i, true);
                    i += 1;
                    while this.get(i) {
                        i += 1;
                    }
                    j += 1;
                    while other.get(j) {
                        j += 1;
                        corresponding = i;
                    }
                }

                // Repeat while merging made the group grow.
                if group_len == i - start {
                    break;
                }
            }

            // Move the group back up to where it lined up with the other file.
            while corresponding < i {
                start -= 1;
                this.set(start, true);
                i -= 1;
                this.set(i, false);
                j -= 1;
                while other.get(j) {
                    j -= 1;
                }
            }
        }
    }
}

/// One group of adjacent changed lines: `deleted` lines of the old file from
/// `old_start`, replaced by `inserted` lines of the new file from `new_start`
/// (0-based, whole-file line numbers).
struct Change {
    old_start: usize,
    new_start: usize,
    deleted: usize,
    inserted: usize,
}

/// Reads the changed flags of both regions as a list of changes, in order.
fn edit_script(changed: &[Flags; 2], region: [&[&[u8]]; 2], prefix: usize) -> Vec<Change> {
    let (len0, len1) = (region[0].len() as isize, region[1].len() as isize);
    let mut changes = Vec::new();
    let (mut i0, mut i1) = (0isize, 0isize);
    while i0 < len0 || i1 < len1 {
        if changed[0].get(i0) || changed[1].get(i1) {
            let (start0, start1) = (i0, i1);
            while changed[0].get(i0) {
                i0 += 1;
            }
            while changed[1].get(i1) {
                i1 += 1;
            }
            changes.push(Change {
                old_start: prefix + start0 as usize,
                new_start: prefix + start1 as usize,
                deleted: (i0 - start0) as usize,
                inserted: (i1 - start1) as usize,
            });
        }
        // Both now stand on a pair of matching lines.
        i0 += 1;
        i1 += 1;
    }
    changes
}

/// Splits the changes into hunks: a hunk ends where the next change is at
/// least `HUNK_MERGE_GAP` unchanged lines away.
fn group_hunks(changes: &[Change]) -> impl Iterator<Item = &[Change]> {
    changes.chunk_by(|a, b| b.old_start - (a.old_start + a.deleted) < HUNK_MERGE_GAP)
}

/// Prints one hunk: its `@@` line, then context, deleted and inserted lines.
fn print_hunk(hunk: &[Change], old: &[&[u8]], new: &[&[u8]], out: &mut Vec<u8>) {
    let (Some(first), Some(last)) = (hunk.first(), hunk.last()) else {
        return;
    };
    // Half-open line ranges, widened by the context and clipped to the files.
    let old_from = first.old_start.saturating_sub(CONTEXT);
    let new_from = first.new_start.saturating_sub(CONTEXT);
    let old_to = (last.old_start + last.deleted + CONTEXT).min(old.len());
    let new_to = (last.new_start + last.inserted + CONTEXT).min(new.len());

    out.extend_from_slice(b"@@ -");
    print_range(old_from, old_to, out);
    out.extend_from_slice(b" +");
    print_range(new_from, new_to, out);
    out.extend_from_slice(b" @@\n");

    let (mut i, mut j) = (old_from, new_from);
    let mut changes = hunk.iter().peekable();
    while i < old_to || j < new_to {
        if let Some(change) = changes.next_if(|change| change.old_start <= i) {
            for line in &old[i..i + change.deleted] {
                print_line(b'-', line, out);
            }
            for line in &new[j..j + change.inserted] {
                print_line(b'+', line, out);
            }
            i += change.deleted;
            j += change.inserted;
        } else {
            print_line(b' ', old[i], out);
            i += 1;
            j += 1;
        }
    }
}

/// Prints a hunk's line range as GNU diff does: `start,count`, just `start`
/// when the count is 1, and for an empty range the line before it with `,0`.
fn print_range(from: usize, to: usize, out: &mut Vec<u8>) {
    let text = match to - from {
        0 => format!("{from},0"),
        1 => format!("{to}"),
        count => format!("{},{count}", from + 1),
    };
    out.extend_from_slice(text.as_bytes());
}

fn print_line(mark: u8, line: &[u8], out: &mut Vec<u8>) {
    out.push(mark);
    out.extend_from_slice(line);
    if !line.ends_with(b"\n") {
        out.extend_from_slice(NO_NEWLINE_MARKER);
    }
}

#[cfg(test)]
mod tests {
    use super::unified_hunks;

    /// Every expected output below was recorded from GNU diffutils 3.8
    /// `diff -u old new`, without its two header lines.
    fn check(old: &str, new: &str, expected: &str) {
        let got = unified_hunks(old.as_bytes(), new.as_bytes());
        assert_eq!(
            got.as_deref().map(String::from_utf8_lossy),
            Some(expected.into())
        );
    }

    #[test]
    fn equal_inputs_print_nothing() {
        check("a\nb\n", "a\nb\n", "");
        check("", "", "");
    }

    #[test]
    fn nul_byte_is_left_to_real_diff() {
        assert_eq!(unified_hunks(b"a\0\n", b"b\n"), None);
        assert_eq!(unified_hunks(b"a\n", b"\0"), None);
    }

    #[test]
    fn pure_insert() {
        check(
            "a\nb\nc\n",
            "a\nb\nX\nc\n",
            "@@ -1,3 +1,4 @@\n a\n b\n+X\n c\n",
        );
    }

    #[test]
    fn pure_delete() {
        check(
            "a\nb\nc\nd\ne\n",
            "a\nb\nd\ne\n",
            "@@ -1,5 +1,4 @@\n a\n b\n-c\n d\n e\n",
        );
    }

    #[test]
    fn change_in_the_middle_keeps_three_lines_of_context() {
        check(
            "1\n2\n3\n4\n5\n6\n7\n8\n9\n",
            "1\n2\n3\n4\nfive\n6\n7\n8\n9\n",
            "@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n",
        );
    }

    #[test]
    fn changes_six_lines_apart_share_a_hunk() {
        check(
            "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n",
            "one\n2\n3\n4\n5\n6\n7\neight\n9\n10\n",
            "@@ -1,10 +1,10 @@\n-1\n+one\n 2\n 3\n 4\n 5\n 6\n 7\n-8\n+eight\n 9\n 10\n",
        );
    }

    #[test]
    fn changes_seven_lines_apart_get_two_hunks() {
        check(
            "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n",
            "one\n2\n3\n4\n5\n6\n7\n8\nnine\n10\n",
            "@@ -1,4 +1,4 @@\n-1\n+one\n 2\n 3\n 4\n@@ -6,5 +6,5 @@\n 6\n 7\n 8\n-9\n+nine\n 10\n",
        );
    }

    #[test]
    fn missing_newline_in_old_only() {
        check(
            "a\nb",
            "a\nb\n",
            "@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n",
        );
    }

    #[test]
    fn missing_newline_in_new_only() {
        check(
            "a\nb\n",
            "a\nb",
            "@@ -1,2 +1,2 @@\n a\n-b\n+b\n\\ No newline at end of file\n",
        );
    }

    #[test]
    fn missing_newline_on_both_sides() {
        check(
            "a\nb",
            "a\nc",
            "@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n",
        );
        // An unterminated last line can also be context.
        check(
            "a\nb\nc",
            "A\nb\nc",
            "@@ -1,3 +1,3 @@\n-a\n+A\n b\n c\n\\ No newline at end of file\n",
        );
    }

    #[test]
    fn empty_old_file() {
        check("", "a\nb\n", "@@ -0,0 +1,2 @@\n+a\n+b\n");
    }

    #[test]
    fn empty_new_file() {
        check("a\n", "", "@@ -1 +0,0 @@\n-a\n");
    }

    #[test]
    fn shift_boundaries_merges_inserted_lines_into_one_group() {
        // The search inserts "c" and then a second "b" after the old "b";
        // GNU diff slides the second insertion up to join the first.
        check(
            "a\nb\n",
            "a\nc\nb\nb\n",
            "@@ -1,2 +1,4 @@\n a\n+c\n+b\n b\n",
        );
    }

    #[test]
    fn discarded_lines_change_which_match_is_found() {
        // "n" and "b" match nothing in the old file, so they are discarded
        // before the search; the search then matches the first "d".
        check("d\n", "n\nd\nd\nb\n", "@@ -1 +1,4 @@\n+n\n d\n+d\n+b\n");
    }
}
