//! Commit, module and owner IDs: dashless lower-case UUIDv4s, random, or from
//! a seed so that test runs (and their request logs) repeat exactly.

/// Where IDs come from.
#[derive(Debug)]
pub enum IdGen {
    /// splitmix64 state.
    Seeded(u64),
    Random,
}

impl IdGen {
    pub fn new(seed: Option<u64>) -> Self {
        match seed {
            Some(seed) => IdGen::Seeded(seed),
            None => IdGen::Random,
        }
    }

    /// The next ID.
    pub fn next_id(&mut self) -> String {
        let mut bytes = [0u8; 16];
        match self {
            IdGen::Seeded(state) => fill_seeded(state, &mut bytes),
            IdGen::Random => {
                if getrandom::fill(&mut bytes).is_err() {
                    // The OS refused randomness: fall back to the clock, which
                    // still gives distinct IDs (callers skip taken ones).
                    let mut state = clock_seed();
                    fill_seeded(&mut state, &mut bytes);
                }
            }
        }
        uuid_v4(bytes)
    }
}

fn fill_seeded(state: &mut u64, bytes: &mut [u8; 16]) {
    let (a, b) = bytes.split_at_mut(8);
    a.copy_from_slice(&splitmix64(state).to_le_bytes());
    b.copy_from_slice(&splitmix64(state).to_le_bytes());
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn clock_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    (nanos as u64) ^ u64::from(std::process::id()).rotate_left(32)
}

/// Sets the version (4) and variant bits and renders 32 lower-case hex digits.
fn uuid_v4(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    super::hex(&bytes)
}

/// A commit ID as clients may send it: dashed or dashless, any case. Returns
/// the dashless lower-case form, or `None` if it is not a UUID at all.
pub fn normalize(text: &str) -> Option<String> {
    let dashless: String = match text.len() {
        32 => text.to_string(),
        36 => {
            let dashes_at = [8, 13, 18, 23];
            let ok = text
                .char_indices()
                .all(|(i, c)| (c == '-') == dashes_at.contains(&i));
            if !ok {
                return None;
            }
            text.chars().filter(|c| *c != '-').collect()
        }
        _ => return None,
    };
    dashless
        .bytes()
        .all(|b| b.is_ascii_hexdigit())
        .then(|| dashless.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_ids_repeat_and_are_v4() {
        let a: Vec<String> = {
            let mut g = IdGen::new(Some(7));
            (0..3).map(|_| g.next_id()).collect()
        };
        let mut g = IdGen::new(Some(7));
        let b: Vec<String> = (0..3).map(|_| g.next_id()).collect();
        assert_eq!(a, b);
        for id in &a {
            assert_eq!(id.len(), 32);
            assert_eq!(&id[12..13], "4");
            assert!(matches!(&id[16..17], "8" | "9" | "a" | "b"));
        }
        assert_ne!(a[0], a[1]);
    }

    #[test]
    fn random_ids_differ() {
        let mut g = IdGen::new(None);
        assert_ne!(g.next_id(), g.next_id());
    }

    #[test]
    fn normalize_accepts_dashed_and_upper_case() {
        let want = Some("242473b0509b4bad853bdf469a51304a".to_string());
        assert_eq!(normalize("242473b0509b4bad853bdf469a51304a"), want);
        assert_eq!(normalize("242473b0-509b-4bad-853b-df469a51304a"), want);
        assert_eq!(normalize("242473B0509B4BAD853BDF469A51304A"), want);
        assert_eq!(normalize("main"), None);
        assert_eq!(normalize("242473b0-509b4bad-853b-df469a51304a-"), None);
    }
}
