//! [`PqwireProvider`]: the `OpenMlsProvider` of a pqwire group member: pqwire's crypto and
//! randomness, and [`PqwireStorage`], in memory (a member's state is persisted as snapshots
//! of that storage by the layer above, docs/groups.md "Storage").

use crate::{PqwireCrypto, PqwireRand, PqwireStorage};
use openmls_traits::OpenMlsProvider;

/// A member's provider: pqwire crypto, OS randomness, in-memory state.
///
/// ```
/// use openmls_traits::{crypto::OpenMlsCrypto, OpenMlsProvider};
/// let provider = pqwire_mls::PqwireProvider::default();
/// assert_eq!(provider.crypto().supported_ciphersuites().len(), pqwire_mls::suites::SUPPORTED.len());
/// ```
#[derive(Debug, Default)]
pub struct PqwireProvider {
    crypto: PqwireCrypto,
    rand: PqwireRand,
    storage: PqwireStorage,
}

impl PqwireProvider {
    /// A provider over existing storage (a restored snapshot).
    pub fn with_storage(storage: PqwireStorage) -> Self {
        Self {
            crypto: PqwireCrypto,
            rand: PqwireRand,
            storage,
        }
    }
}

impl OpenMlsProvider for PqwireProvider {
    type CryptoProvider = PqwireCrypto;
    type RandProvider = PqwireRand;
    type StorageProvider = PqwireStorage;

    fn storage(&self) -> &PqwireStorage {
        &self.storage
    }

    fn crypto(&self) -> &PqwireCrypto {
        &self.crypto
    }

    fn rand(&self) -> &PqwireRand {
        &self.rand
    }
}
