//! A small unified line diff for `generate --check --diff`: Myers' O(ND)
//! algorithm over lines, GNU-style hunks with three lines of context.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Equal(usize, usize),
    Delete(usize),
    Insert(usize),
}

/// Past this many edits (after trimming the common head and tail) the diff
/// shows the changed middle as one replacement instead of searching further.
const MAX_EDITS: usize = 4000;

/// The hunks of a unified diff from `old` to `new` (no `---`/`+++` header);
/// empty when the texts are equal.
pub fn unified(old: &str, new: &str) -> String {
    let a: Vec<&str> = old.split_inclusive('\n').collect();
    let b: Vec<&str> = new.split_inclusive('\n').collect();
    let ops = diff_lines(&a, &b);
    render(&a, &b, &ops, 3)
}

fn diff_lines(a: &[&str], b: &[&str]) -> Vec<Op> {
    let head = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let tail = a[head..]
        .iter()
        .rev()
        .zip(b[head..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (am, bm) = (&a[head..a.len() - tail], &b[head..b.len() - tail]);
    let mut ops: Vec<Op> = (0..head).map(|i| Op::Equal(i, i)).collect();
    let middle = myers(am, bm).unwrap_or_else(|| {
        let mut v: Vec<Op> = (0..am.len()).map(Op::Delete).collect();
        v.extend((0..bm.len()).map(Op::Insert));
        v
    });
    ops.extend(middle.into_iter().map(|op| match op {
        Op::Equal(i, j) => Op::Equal(i + head, j + head),
        Op::Delete(i) => Op::Delete(i + head),
        Op::Insert(j) => Op::Insert(j + head),
    }));
    let (ae, be) = (a.len() - tail, b.len() - tail);
    ops.extend((0..tail).map(|t| Op::Equal(ae + t, be + t)));
    ops
}

/// Shortest edit script; `None` when it needs more than `MAX_EDITS` edits.
fn myers(a: &[&str], b: &[&str]) -> Option<Vec<Op>> {
    let (n, m) = (a.len() as isize, b.len() as isize);
    let max = (n + m).min(MAX_EDITS as isize);
    let off = max + 1;
    let mut v = vec![0isize; (2 * max + 3) as usize];
    // trace[d] holds v[-d..=d] as it was before round d.
    let mut trace: Vec<Vec<isize>> = Vec::new();
    let at = |v: &[isize], k: isize| v.get((k + off) as usize).copied().unwrap_or(0);
    for d in 0..=max {
        trace.push((-d..=d).map(|k| at(&v, k)).collect());
        let mut k = -d;
        while k <= d {
            let mut x = if k == -d || (k != d && at(&v, k - 1) < at(&v, k + 1)) {
                at(&v, k + 1)
            } else {
                at(&v, k - 1) + 1
            };
            let mut y = x - k;
            while x < n && y < m && a.get(x as usize) == b.get(y as usize) {
                x += 1;
                y += 1;
            }
            if let Some(slot) = v.get_mut((k + off) as usize) {
                *slot = x;
            }
            if x >= n && y >= m {
                return Some(backtrack(&trace, n, m));
            }
            k += 2;
        }
    }
    None
}

fn backtrack(trace: &[Vec<isize>], n: isize, m: isize) -> Vec<Op> {
    let mut ops = Vec::new();
    let (mut x, mut y) = (n, m);
    for d in (0..trace.len() as isize).rev() {
        let prev = match trace.get(d as usize) {
            Some(p) => p,
            None => break,
        };
        let at = |k: isize| prev.get((k + d) as usize).copied().unwrap_or(0);
        if d == 0 {
            while x > 0 && y > 0 {
                ops.push(Op::Equal((x - 1) as usize, (y - 1) as usize));
                x -= 1;
                y -= 1;
            }
            break;
        }
        let k = x - y;
        let prev_k = if k == -d || (k != d && at(k - 1) < at(k + 1)) {
            k + 1
        } else {
            k - 1
        };
        let px = at(prev_k);
        let py = px - prev_k;
        while x > px && y > py {
            ops.push(Op::Equal((x - 1) as usize, (y - 1) as usize));
            x -= 1;
            y -= 1;
        }
        if x == px {
            ops.push(Op::Insert(py as usize));
        } else {
            ops.push(Op::Delete(px as usize));
        }
        x = px;
        y = py;
    }
    ops.reverse();
    ops
}

fn render(a: &[&str], b: &[&str], ops: &[Op], context: usize) -> String {
    let mut out = String::new();
    let changed: Vec<usize> = ops
        .iter()
        .enumerate()
        .filter(|(_, op)| !matches!(op, Op::Equal(..)))
        .map(|(i, _)| i)
        .collect();
    let mut i = 0;
    while i < changed.len() {
        // Grow the hunk while the next change is within 2 * context lines.
        let first = changed[i];
        let mut last = first;
        while i + 1 < changed.len() && changed[i + 1] - last <= 2 * context + 1 {
            i += 1;
            last = changed[i];
        }
        i += 1;
        let start = first.saturating_sub(context);
        let end = (last + context + 1).min(ops.len());
        let hunk = &ops[start..end];
        let (mut a_start, mut b_start) = (None, None);
        let (mut a_len, mut b_len) = (0usize, 0usize);
        let mut a_before = 0usize;
        let mut b_before = 0usize;
        for op in &ops[..start] {
            match op {
                Op::Equal(..) => {
                    a_before += 1;
                    b_before += 1;
                }
                Op::Delete(_) => a_before += 1,
                Op::Insert(_) => b_before += 1,
            }
        }
        let mut body = String::new();
        for op in hunk {
            let (mark, line) = match *op {
                Op::Equal(x, y) => {
                    a_start.get_or_insert(x);
                    b_start.get_or_insert(y);
                    a_len += 1;
                    b_len += 1;
                    (' ', a.get(x).copied().unwrap_or(""))
                }
                Op::Delete(x) => {
                    a_start.get_or_insert(x);
                    a_len += 1;
                    ('-', a.get(x).copied().unwrap_or(""))
                }
                Op::Insert(y) => {
                    b_start.get_or_insert(y);
                    b_len += 1;
                    ('+', b.get(y).copied().unwrap_or(""))
                }
            };
            body.push(mark);
            body.push_str(line);
            if !line.ends_with('\n') {
                body.push_str("\n\\ No newline at end of file\n");
            }
        }
        let range = |start: Option<usize>, before: usize, len: usize| match (len, start) {
            (0, _) => format!("{before},0"),
            (1, Some(s)) => format!("{}", s + 1),
            (_, Some(s)) => format!("{},{len}", s + 1),
            (_, None) => format!("{before},{len}"),
        };
        out.push_str(&format!(
            "@@ -{} +{} @@\n",
            range(a_start, a_before, a_len),
            range(b_start, b_before, b_len)
        ));
        out.push_str(&body);
    }
    out
}
