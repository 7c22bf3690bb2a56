//! The symmetric chains of a ratchet state (protocol.md §5.1) and the combinations the
//! protocol reaches, as types: a chain's key, counter and ratchet key live and die
//! together, and a state without a sending chain always steps at its next send.

use super::state::DhKeyPair;
use crate::SecretBytes;

/// Our current sending chain: `DHs`, `CKs`, `Ns`, `PN`, and the `pqMix` of the step
/// that started it.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct SendingChain {
    /// `DHs`: the ratchet key pair every message of the chain names.
    pub(crate) ratchet_key: DhKeyPair,
    /// `CKs`.
    pub(crate) chain_key: SecretBytes,
    /// `Ns`: messages sent in this chain.
    pub(crate) counter: u32,
    /// `PN`: the length of our previous sending chain.
    pub(crate) previous_length: u32,
    /// `pqMix`: the sequence number of our pipeline step whose secret the chain's DH
    /// step mixed, which every message of the chain carries (none otherwise).
    pub(crate) pq_mix: Option<u32>,
}

/// The peer's current chain, as we receive on it: `DHr`, `CKr`, `Nr`.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct ReceivingChain {
    /// `DHr`: the peer's ratchet key the chain belongs to.
    pub(crate) ratchet_key: [u8; 32],
    /// `CKr`.
    pub(crate) chain_key: SecretBytes,
    /// `Nr`: the next message number expected.
    pub(crate) counter: u32,
}

/// The chains of a state. The three variants are the only combinations initialisation
/// and the steps reach, so a state cannot hold, say, a step due without the peer's key
/// to step with.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Chains {
    /// The initiator before its first message: the responder's first chain (under
    /// `SPK_B`) to receive on; the next send steps.
    ReceiveOnly(ReceivingChain),
    /// The responder before the initiator's first message: its first sending chain
    /// (under `SPK_B`).
    SendOnly(SendingChain),
    /// Both chains; `step_due` once the peer's ratchet key changed since our last step
    /// (the next send steps).
    Both {
        /// Ours.
        sending: SendingChain,
        /// The peer's.
        receiving: ReceivingChain,
        /// The next send performs an asymmetric step.
        step_due: bool,
    },
}

/// What the next send does.
pub(crate) enum NextSend<'a> {
    /// An asymmetric step against the peer's current ratchet key; `previous_length` is
    /// the length of the chain it ends (`PN` of the new one).
    Step {
        peer: &'a [u8; 32],
        previous_length: u32,
    },
    /// The next message of the current sending chain.
    Chain(&'a SendingChain),
}

impl Chains {
    /// Our sending chain, if there is one.
    pub(crate) fn sending(&self) -> Option<&SendingChain> {
        match self {
            Chains::SendOnly(s) | Chains::Both { sending: s, .. } => Some(s),
            Chains::ReceiveOnly(_) => None,
        }
    }

    /// The peer's chain, if one was received on (or, for the initiator, set up).
    pub(crate) fn receiving(&self) -> Option<&ReceivingChain> {
        match self {
            Chains::ReceiveOnly(r) | Chains::Both { receiving: r, .. } => Some(r),
            Chains::SendOnly(_) => None,
        }
    }

    pub(crate) fn sending_mut(&mut self) -> Option<&mut SendingChain> {
        match self {
            Chains::SendOnly(s) | Chains::Both { sending: s, .. } => Some(s),
            Chains::ReceiveOnly(_) => None,
        }
    }

    pub(crate) fn receiving_mut(&mut self) -> Option<&mut ReceivingChain> {
        match self {
            Chains::ReceiveOnly(r) | Chains::Both { receiving: r, .. } => Some(r),
            Chains::SendOnly(_) => None,
        }
    }

    /// Whether the next send performs an asymmetric step.
    pub(crate) fn step_due(&self) -> bool {
        match self {
            Chains::ReceiveOnly(_) => true,
            Chains::SendOnly(_) => false,
            Chains::Both { step_due, .. } => *step_due,
        }
    }

    /// What the next send does.
    pub(crate) fn next_send(&self) -> NextSend<'_> {
        let previous_length = self.sending().map_or(0, |s| s.counter);
        match self {
            Chains::ReceiveOnly(r)
            | Chains::Both {
                receiving: r,
                step_due: true,
                ..
            } => NextSend::Step {
                peer: &r.ratchet_key,
                previous_length,
            },
            Chains::SendOnly(s) | Chains::Both { sending: s, .. } => NextSend::Chain(s),
        }
    }

    /// After our step: `new` replaces our sending chain, and no step is due.
    pub(crate) fn start_sending(&mut self, new: SendingChain) {
        match self {
            Chains::Both {
                sending, step_due, ..
            } => {
                *sending = new;
                *step_due = false;
            }
            Chains::SendOnly(sending) => *sending = new,
            Chains::ReceiveOnly(receiving) => {
                let receiving = receiving.clone();
                *self = Chains::Both {
                    sending: new,
                    receiving,
                    step_due: false,
                };
            }
        }
    }

    /// After the peer's step: `new` replaces its chain, and our next send steps.
    pub(crate) fn start_receiving(&mut self, new: ReceivingChain) {
        match self {
            Chains::Both {
                receiving,
                step_due,
                ..
            } => {
                *receiving = new;
                *step_due = true;
            }
            Chains::ReceiveOnly(receiving) => *receiving = new,
            Chains::SendOnly(sending) => {
                let sending = sending.clone();
                *self = Chains::Both {
                    sending,
                    receiving: new,
                    step_due: true,
                };
            }
        }
    }
}
