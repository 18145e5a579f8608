//! V107's latest-validated rule (docs/behaviour.md §4 step 3) as a running choice: of one
//! provider's candidate rows, the one whose `last_validated_at` parses to the latest instant;
//! rows without a parseable timestamp come after every row with one; ties go to the smallest
//! uuid (PostgreSQL's uuid order: the 16 bytes compared as unsigned bytes). It is the same
//! order as `ORDER BY validated_at DESC NULLS LAST, uuid ASC`, kept one candidate at a time so
//! that PostgreSQL can aggregate it per provider without sorting every candidate.

/// One candidate: its `last_validated_at` in microseconds (None: missing or unparseable) and
/// its uuid (None only on a table without a NOT NULL primary key; ranked last).
pub type Candidate = (Option<i64>, Option<[u8; 16]>);

/// Whether `a` ranks before `b`: later timestamp first, no timestamp last, then smaller uuid,
/// no uuid last.
pub fn ranks_before(a: Candidate, b: Candidate) -> bool {
    match (a.0, b.0) {
        (Some(x), Some(y)) if x != y => return x > y,
        (Some(_), None) => return true,
        (None, Some(_)) => return false,
        _ => {}
    }
    match (a.1, b.1) {
        (Some(x), Some(y)) => x < y,
        (Some(_), None) => true,
        _ => false,
    }
}

/// The best two candidates offered so far (the second for the plan preview's runner-up).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LatestValidated {
    best: Option<Candidate>,
    second: Option<Candidate>,
}

impl LatestValidated {
    pub fn offer(&mut self, candidate: Candidate) {
        if self.best.is_none_or(|best| ranks_before(candidate, best)) {
            self.second = self.best;
            self.best = Some(candidate);
        } else if self.second.is_none_or(|second| ranks_before(candidate, second)) {
            self.second = Some(candidate);
        }
    }

    /// The chosen row's uuid; None when nothing (or only rows without a uuid) was offered.
    pub fn winner(&self) -> Option<[u8; 16]> {
        self.best.and_then(|(_, uuid)| uuid)
    }

    /// The uuid of the row that ranks right after the chosen one.
    pub fn runner_up(&self) -> Option<[u8; 16]> {
        self.second.and_then(|(_, uuid)| uuid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn u(last: u8) -> Option<[u8; 16]> {
        let mut b = [0u8; 16];
        b[15] = last;
        Some(b)
    }

    fn offered(candidates: &[Candidate]) -> LatestValidated {
        let mut l = LatestValidated::default();
        candidates.iter().for_each(|c| l.offer(*c));
        l
    }

    fn choose(candidates: &[Candidate]) -> Option<[u8; 16]> {
        offered(candidates).winner()
    }

    #[test]
    fn latest_timestamp_wins_then_smallest_uuid() {
        assert_eq!(choose(&[(Some(1), u(1)), (Some(5), u(9)), (Some(5), u(3)), (None, u(0))]), u(3));
        assert_eq!(choose(&[(None, u(7)), (None, u(2))]), u(2));
        assert_eq!(choose(&[(None, u(0)), (Some(i64::MIN), u(9))]), u(9), "any timestamp beats none");
        assert_eq!(choose(&[(Some(3), None), (Some(3), u(200))]), u(200), "a NULL uuid ranks last");
        assert_eq!(choose(&[]), None);
        let l = offered(&[(Some(1), u(1)), (Some(5), u(9)), (Some(5), u(3)), (None, u(0))]);
        assert_eq!(l.runner_up(), u(9));
        assert_eq!(offered(&[(None, u(4))]).runner_up(), None);
    }

    #[test]
    fn uuid_bytes_compare_unsigned() {
        let mut high = [0u8; 16];
        high[0] = 0x80;
        assert_eq!(choose(&[(None, Some(high)), (None, u(1))]), u(1));
    }

    fn candidate() -> impl Strategy<Value = Candidate> {
        (proptest::option::of(-3i64..3), proptest::option::of(proptest::array::uniform16(0u8..3)))
    }

    proptest! {
        /// The running choice is the first row of `ORDER BY validated_at DESC NULLS LAST, uuid ASC NULLS LAST`,
        /// whatever order the rows arrive in.
        #[test]
        fn agrees_with_sorting(candidates in proptest::collection::vec(candidate(), 0..24)) {
            let mut sorted = candidates.clone();
            sorted.sort_by(|a, b| {
                let by_time = match (a.0, b.0) {
                    (Some(x), Some(y)) => y.cmp(&x),
                    (Some(_), None) => std::cmp::Ordering::Less,
                    (None, Some(_)) => std::cmp::Ordering::Greater,
                    (None, None) => std::cmp::Ordering::Equal,
                };
                by_time.then(match (a.1, b.1) {
                    (Some(x), Some(y)) => x.cmp(&y),
                    (Some(_), None) => std::cmp::Ordering::Less,
                    (None, Some(_)) => std::cmp::Ordering::Greater,
                    (None, None) => std::cmp::Ordering::Equal,
                })
            });
            let l = offered(&candidates);
            prop_assert_eq!(l.winner(), sorted.first().and_then(|c| c.1));
            prop_assert_eq!(l.runner_up(), sorted.get(1).and_then(|c| c.1));
        }
    }
}
