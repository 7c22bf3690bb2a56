//! [`PqwireProvider`]: the `OpenMlsProvider` of a pqwire group member: pqwire's crypto and
//! randomness, openmls's in-memory storage (a member's state is persisted as snapshots of
//! that storage by the layer above, docs/groups.md "Storage").

use crate::{PqwireCrypto, PqwireRand};
use openmls_memory_storage::MemoryStorage;
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
    storage: MemoryStorage,
}

impl PqwireProvider {
    /// A provider over existing storage (a restored snapshot).
    pub fn with_storage(storage: MemoryStorage) -> Self {
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
    type StorageProvider = MemoryStorage;

    fn storage(&self) -> &MemoryStorage {
        &self.storage
    }

    fn crypto(&self) -> &PqwireCrypto {
        &self.crypto
    }

    fn rand(&self) -> &PqwireRand {
        &self.rand
    }
}
