//! The conference mixer: every party hears the sum of everyone else.
//!
//! Each tick the runtime gives every party's latest frame with
//! [`Mixer::input`], calls [`Mixer::mix`] once, then reads each party's
//! [`Mixer::output`]. The mix sums all unmuted inputs once and takes each
//! party's own voice back out, so a tick costs O(N) frames, not O(N²).

use thiserror::Error;

use crate::{FRAME, Frame};

/// Errors from the mixer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum MixerError {
    /// The party left, or never joined this mixer.
    #[error("party {0:?} is not in the conference")]
    UnknownParty(PartyId),
}

/// A party's handle in one mixer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PartyId(u32);

#[derive(Debug, Clone)]
struct Party {
    id: PartyId,
    /// This tick's input; silence until the runtime gives one.
    input: Frame,
    output: Frame,
    muted: bool,
}

/// An N-party mixer; see the module documentation.
#[derive(Debug, Clone, Default)]
pub struct Mixer {
    parties: Vec<Party>,
    next_id: u32,
    sum: Vec<i32>,
}

impl Mixer {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a party, unmuted, hearing the others from the next mix.
    pub fn join(&mut self) -> PartyId {
        let id = PartyId(self.next_id);
        self.next_id += 1;
        self.parties.push(Party {
            id,
            input: [0; FRAME],
            output: [0; FRAME],
            muted: false,
        });
        id
    }

    /// Removes a party.
    pub fn leave(&mut self, id: PartyId) -> Result<(), MixerError> {
        let index = self.index(id)?;
        self.parties.swap_remove(index);
        Ok(())
    }

    /// How many parties are in.
    pub fn len(&self) -> usize {
        self.parties.len()
    }

    /// Whether nobody is in.
    pub fn is_empty(&self) -> bool {
        self.parties.is_empty()
    }

    /// The parties, in no particular order.
    pub fn parties(&self) -> impl Iterator<Item = PartyId> + '_ {
        self.parties.iter().map(|p| p.id)
    }

    /// Stops the others hearing this party; it still hears them.
    pub fn mute(&mut self, id: PartyId) -> Result<(), MixerError> {
        self.party(id)?.muted = true;
        Ok(())
    }

    /// Lets the others hear this party again.
    pub fn unmute(&mut self, id: PartyId) -> Result<(), MixerError> {
        self.party(id)?.muted = false;
        Ok(())
    }

    /// Whether the party is muted.
    pub fn is_muted(&self, id: PartyId) -> Result<bool, MixerError> {
        Ok(self.parties[self.index(id)?].muted)
    }

    /// This tick's audio from a party. A party that gives none is silent
    /// for this tick.
    pub fn input(&mut self, id: PartyId, frame: &Frame) -> Result<(), MixerError> {
        self.party(id)?.input = *frame;
        Ok(())
    }

    /// Mixes this tick: each party's output becomes the sum of the other
    /// unmuted parties' inputs, saturated to 16 bits. Inputs are then
    /// cleared for the next tick.
    pub fn mix(&mut self) {
        self.sum.clear();
        self.sum.resize(FRAME, 0);
        for p in self.parties.iter().filter(|p| !p.muted) {
            for (acc, &s) in self.sum.iter_mut().zip(&p.input) {
                *acc += s as i32;
            }
        }
        for p in &mut self.parties {
            let own = if p.muted { &[0; FRAME] } else { &p.input };
            for ((out, &total), &mine) in p.output.iter_mut().zip(&self.sum).zip(own) {
                *out = (total - mine as i32).clamp(i16::MIN as i32, i16::MAX as i32) as i16;
            }
            p.input = [0; FRAME];
        }
    }

    /// What the party hears, as of the last [`Mixer::mix`].
    pub fn output(&self, id: PartyId) -> Result<&Frame, MixerError> {
        Ok(&self.parties[self.index(id)?].output)
    }

    fn index(&self, id: PartyId) -> Result<usize, MixerError> {
        self.parties
            .iter()
            .position(|p| p.id == id)
            .ok_or(MixerError::UnknownParty(id))
    }

    fn party(&mut self, id: PartyId) -> Result<&mut Party, MixerError> {
        let index = self.index(id)?;
        Ok(&mut self.parties[index])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn constant(v: i16) -> Frame {
        [v; FRAME]
    }

    #[test]
    fn each_party_hears_the_others_but_not_itself() {
        let mut m = Mixer::new();
        let ids: Vec<PartyId> = (0..3).map(|_| m.join()).collect();
        for (id, v) in ids.iter().zip([100, 20, 3]) {
            m.input(*id, &constant(v)).unwrap();
        }
        m.mix();
        assert_eq!(m.output(ids[0]).unwrap(), &constant(23));
        assert_eq!(m.output(ids[1]).unwrap(), &constant(103));
        assert_eq!(m.output(ids[2]).unwrap(), &constant(120));
    }

    #[test]
    fn muted_party_is_not_heard_but_still_hears() {
        let mut m = Mixer::new();
        let (a, b, c) = (m.join(), m.join(), m.join());
        m.mute(b).unwrap();
        for (id, v) in [(a, 100), (b, 20), (c, 3)] {
            m.input(id, &constant(v)).unwrap();
        }
        m.mix();
        assert_eq!(m.output(a).unwrap(), &constant(3));
        assert_eq!(m.output(b).unwrap(), &constant(103));
        assert_eq!(m.output(c).unwrap(), &constant(100));
        m.unmute(b).unwrap();
        assert!(!m.is_muted(b).unwrap());
    }

    #[test]
    fn loud_sums_saturate_instead_of_wrapping() {
        let mut m = Mixer::new();
        let ids: Vec<PartyId> = (0..4).map(|_| m.join()).collect();
        for id in &ids[..3] {
            m.input(*id, &constant(20_000)).unwrap();
        }
        m.input(ids[3], &constant(-20_000)).unwrap();
        m.mix();
        assert_eq!(m.output(ids[3]).unwrap(), &constant(i16::MAX));
        // 20 000 + 20 000 - 20 000: the true sum, not a clipped partial one.
        assert_eq!(m.output(ids[0]).unwrap(), &constant(20_000));
    }

    #[test]
    fn input_lasts_one_tick() {
        let mut m = Mixer::new();
        let (a, b) = (m.join(), m.join());
        m.input(a, &constant(5)).unwrap();
        m.mix();
        assert_eq!(m.output(b).unwrap(), &constant(5));
        m.mix();
        assert_eq!(m.output(b).unwrap(), &constant(0));
    }

    proptest::proptest! {
        #[test]
        fn everyone_hears_the_saturated_sum_of_the_unmuted_others(
            parties in proptest::collection::vec((proptest::num::i16::ANY, proptest::bool::ANY), 1..12),
        ) {
            let mut m = Mixer::new();
            let ids: Vec<PartyId> = parties.iter().map(|_| m.join()).collect();
            for (&id, &(v, muted)) in ids.iter().zip(&parties) {
                m.input(id, &constant(v)).unwrap();
                if muted {
                    m.mute(id).unwrap();
                }
            }
            m.mix();
            for (i, &id) in ids.iter().enumerate() {
                let others: i32 = parties
                    .iter()
                    .enumerate()
                    .filter(|&(j, &(_, muted))| j != i && !muted)
                    .map(|(_, &(v, _))| v as i32)
                    .sum();
                let expected = others.clamp(i16::MIN as i32, i16::MAX as i32) as i16;
                proptest::prop_assert_eq!(m.output(id).unwrap(), &constant(expected));
            }
        }
    }

    #[test]
    fn departed_party_is_unknown_and_no_longer_heard() {
        let mut m = Mixer::new();
        let (a, b) = (m.join(), m.join());
        m.leave(a).unwrap();
        assert_eq!(m.input(a, &constant(1)), Err(MixerError::UnknownParty(a)));
        assert_eq!(m.leave(a), Err(MixerError::UnknownParty(a)));
        m.mix();
        assert_eq!(m.output(b).unwrap(), &constant(0));
        assert_eq!(m.len(), 1);
        assert_eq!(m.parties().collect::<Vec<_>>(), vec![b]);
    }
}
