//! Registration bindings (SPEC T1): where a device can be reached.

use crate::ids::{AccountId, DeviceId};
use crate::time::UnixMillis;

/// One contact a device registered (RFC 3261 §10.3). A device may hold
/// several (e.g. one per network interface); bindings are stored so they
/// survive a restart of the switch.
#[derive(Clone, Debug, PartialEq)]
pub struct Binding {
    pub device: DeviceId,
    pub account: AccountId,
    /// The Contact URI as registered.
    pub contact: String,
    /// `+sip.instance` (RFC 5626), identifies the same phone across
    /// contact changes.
    pub instance: Option<String>,
    /// Where the REGISTER really came from (`ip:port`), for NAT traversal.
    pub source: String,
    /// `udp`, `tcp`, `tls`, `ws` or `wss`.
    pub transport: String,
    pub call_id: String,
    pub cseq: u32,
    /// q-value times 1000 (0..=1000), default 1000.
    pub q_millis: u16,
    pub user_agent: Option<String>,
    pub expires_at: UnixMillis,
    pub updated_at: UnixMillis,
}

/// What the registrar writes for a binding.
pub type NewBinding = Binding;

/// A change to the stored bindings, produced by the registrar and applied
/// by storage in batches.
#[derive(Clone, Debug, PartialEq)]
pub enum BindingChange {
    /// Create or refresh the binding (keyed by device and contact).
    Save(Binding),
    /// Remove the binding of `device` with this contact.
    Remove { device: DeviceId, contact: String },
}
