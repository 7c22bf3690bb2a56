//! [`GroupError`]: every failure of a group operation, with a stable code. openmls's many
//! error types are sorted into these causes here, in one place.

use openmls::framing::errors::MessageDecryptionError;
use openmls::prelude::{
    MlsGroupStateError, ProcessMessageError, StageCommitError, ValidationError,
};

/// Why a group operation failed. The codes are stable (the TypeScript facade uses them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupCode {
    /// Bytes that are not the MLS structure expected (or a message for another group).
    Malformed,
    /// A message for another epoch than the group's (stale, or from a future epoch).
    WrongEpoch,
    /// A sender, or a member to remove, that is not in the group.
    UnknownMember,
    /// This member was removed from the group: it can neither read nor send any more.
    Removed,
    /// A signature, membership tag or decryption failed.
    AuthFailed,
    /// A credential not bound to a pqwire identity: malformed, not signed by the identity
    /// it names, or (for a member being added) an identity expired.
    UnboundCredential,
    /// A message whose key was already used (a replay).
    Replayed,
    /// A message older than the out-of-order window of its sender.
    Stale,
    /// A message too far ahead of its sender's last one.
    TooManySkipped,
    /// A commit, proposal, key package or welcome that MLS's rules refuse.
    Invalid,
    /// No group with that id in this member's state.
    UnknownGroup,
    /// An own commit waits for the delivery service's answer (confirm or discard it first).
    PendingCommit,
    /// No own commit is waiting.
    NoPendingCommit,
    /// A suite or key this member does not offer, or a key package for another suite.
    Unsupported,
    /// The operating system gave no randomness.
    RandomnessUnavailable,
    /// A stored member state that does not read back.
    BadRecord,
    /// The application's group store refused a save: another copy of the member saved
    /// first (reported by the TypeScript facade's `GroupStore` compare-and-swap).
    Conflict,
    /// A failure inside openmls that none of the above describes (a bug to report).
    Internal,
}

impl GroupCode {
    /// Every code, once.
    pub const ALL: &'static [GroupCode] = &[
        GroupCode::Malformed,
        GroupCode::WrongEpoch,
        GroupCode::UnknownMember,
        GroupCode::Removed,
        GroupCode::AuthFailed,
        GroupCode::UnboundCredential,
        GroupCode::Replayed,
        GroupCode::Stale,
        GroupCode::TooManySkipped,
        GroupCode::Invalid,
        GroupCode::UnknownGroup,
        GroupCode::PendingCommit,
        GroupCode::NoPendingCommit,
        GroupCode::Unsupported,
        GroupCode::RandomnessUnavailable,
        GroupCode::BadRecord,
        GroupCode::Conflict,
        GroupCode::Internal,
    ];

    /// The cause group of the code (pqwire's error kinds); `None` for `GROUP_INTERNAL`,
    /// which is a bug ("internal").
    pub fn kind(self) -> Option<pqwire_core::ErrorKind> {
        use pqwire_core::ErrorKind as K;
        Some(match self {
            GroupCode::Malformed | GroupCode::BadRecord | GroupCode::Invalid => K::MalformedInput,
            GroupCode::AuthFailed | GroupCode::UnboundCredential => K::Authentication,
            GroupCode::Unsupported => K::Backend,
            GroupCode::WrongEpoch
            | GroupCode::Replayed
            | GroupCode::Stale
            | GroupCode::TooManySkipped => K::Replay,
            GroupCode::UnknownMember
            | GroupCode::Removed
            | GroupCode::UnknownGroup
            | GroupCode::PendingCommit
            | GroupCode::NoPendingCommit
            | GroupCode::Conflict => K::State,
            GroupCode::RandomnessUnavailable => K::Backend,
            GroupCode::Internal => return None,
        })
    }

    /// The stable string code.
    pub fn as_str(self) -> &'static str {
        match self {
            GroupCode::Malformed => "GROUP_MALFORMED",
            GroupCode::WrongEpoch => "GROUP_WRONG_EPOCH",
            GroupCode::UnknownMember => "GROUP_UNKNOWN_MEMBER",
            GroupCode::Removed => "GROUP_REMOVED",
            GroupCode::AuthFailed => "AUTH_FAILED",
            GroupCode::UnboundCredential => "GROUP_UNBOUND_CREDENTIAL",
            GroupCode::Replayed => "REPLAYED",
            GroupCode::Stale => "STALE_MESSAGE",
            GroupCode::TooManySkipped => "TOO_MANY_SKIPPED",
            GroupCode::Invalid => "GROUP_INVALID",
            GroupCode::UnknownGroup => "GROUP_UNKNOWN",
            GroupCode::PendingCommit => "GROUP_PENDING_COMMIT",
            GroupCode::NoPendingCommit => "GROUP_NO_PENDING_COMMIT",
            GroupCode::Unsupported => "UNSUPPORTED",
            GroupCode::RandomnessUnavailable => "RANDOMNESS_UNAVAILABLE",
            GroupCode::BadRecord => "GROUP_BAD_RECORD",
            GroupCode::Conflict => "GROUP_CONFLICT",
            GroupCode::Internal => "GROUP_INTERNAL",
        }
    }
}

/// A failed group operation: its [`GroupCode`] and a description (never key material).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupError {
    /// Why it failed.
    pub code: GroupCode,
    /// What failed, in words.
    pub detail: String,
}

impl GroupError {
    /// An error of `code` described by `detail`.
    pub fn new(code: GroupCode, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: detail.into(),
        }
    }
}

impl core::fmt::Display for GroupError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.detail)
    }
}

impl std::error::Error for GroupError {}

/// The result of a group operation.
pub type Result<T> = core::result::Result<T, GroupError>;

/// A processing failure sorted by cause.
pub(crate) fn from_process<E: core::fmt::Debug>(e: ProcessMessageError<E>) -> GroupError {
    let detail = format!("{e:?}");
    let code = match &e {
        ProcessMessageError::ValidationError(v) => validation_code(v),
        ProcessMessageError::GroupStateError(MlsGroupStateError::UseAfterEviction) => {
            GroupCode::Removed
        }
        ProcessMessageError::GroupStateError(_) => GroupCode::Invalid,
        ProcessMessageError::InvalidCommit(c) => commit_code(c),
        ProcessMessageError::LibraryError(_) | ProcessMessageError::StorageError(_) => {
            GroupCode::Internal
        }
        _ => GroupCode::Invalid,
    };
    GroupError::new(code, detail)
}

fn validation_code(v: &ValidationError) -> GroupCode {
    match v {
        ValidationError::WrongGroupId => GroupCode::Malformed,
        ValidationError::WrongEpoch | ValidationError::NoPastEpochData => GroupCode::WrongEpoch,
        ValidationError::UnknownMember => GroupCode::UnknownMember,
        ValidationError::InvalidSignature
        | ValidationError::InvalidMembershipTag
        | ValidationError::MissingMembershipTag => GroupCode::AuthFailed,
        ValidationError::UnableToDecrypt(MessageDecryptionError::SecretTreeError(e)) => {
            // openmls keeps its secret-tree error type private: its variant names are
            // all there is to sort by.
            let text = format!("{e:?}");
            if text.contains("SecretReuseError") {
                GroupCode::Replayed
            } else if text.contains("TooDistantInThePast") {
                GroupCode::Stale
            } else if text.contains("TooDistantInTheFuture") {
                GroupCode::TooManySkipped
            } else {
                GroupCode::AuthFailed
            }
        }
        ValidationError::UnableToDecrypt(MessageDecryptionError::MalformedContent) => {
            GroupCode::Malformed
        }
        ValidationError::UnableToDecrypt(_) => GroupCode::AuthFailed,
        _ => GroupCode::Invalid,
    }
}

fn commit_code(c: &StageCommitError) -> GroupCode {
    let text = format!("{c:?}");
    if text.contains("Epoch") {
        GroupCode::WrongEpoch
    } else if text.contains("ConfirmationTag") || text.contains("Signature") {
        GroupCode::AuthFailed
    } else {
        GroupCode::Invalid
    }
}

/// Any other openmls failure, with its code given by the caller.
pub(crate) fn because<E: core::fmt::Debug>(code: GroupCode) -> impl Fn(E) -> GroupError {
    move |e| GroupError::new(code, format!("{e:?}"))
}
