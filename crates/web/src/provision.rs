//! Device credentials (SPEC T1, T13): what adding a desk phone or giving
//! it a new SIP password does, for the admin pages and the API alike.
//!
//! The MAC address is unique across the installation, so it makes the SIP
//! username too; the SIP password is random and shown once, since only
//! its digest HA1 values are stored.

use base64::Engine as _;
use domain::{Device, DeviceModel, MacAddress, NewDevice, SipPassword, SipUsername, UserId};
use storage::{AccountScope, StorageError};

/// Why a device could not be added.
#[derive(Debug, thiserror::Error)]
pub enum AddDeviceError {
    /// Another device (of any account) has this MAC address.
    #[error("MAC address {0} is already registered")]
    MacTaken(MacAddress),
    /// The user to assign is not one of the account's.
    #[error("no such user in the account")]
    NoSuchUser,
    /// The database failed.
    #[error(transparent)]
    Storage(StorageError),
}

/// What to add: the phone's MAC address and model, its label, and the
/// user it rings for.
pub struct DeviceRequest {
    pub mac: MacAddress,
    pub model: String,
    pub label: String,
    pub user: Option<UserId>,
}

/// A random SIP password: 12 random bytes as 16 base64url characters.
pub fn random_sip_password() -> SipPassword {
    let text = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 12]>());
    SipPassword::parse(&text).expect("16 base64url characters are a valid SIP password")
}

/// Adds the device to the account with generated SIP credentials; returns
/// it with its SIP password, to show this once.
pub async fn add_device(
    scope: &AccountScope<'_>,
    realm: &str,
    request: DeviceRequest,
) -> Result<(Device, SipPassword), AddDeviceError> {
    let mac = request.mac;
    let sip_username =
        SipUsername::parse(&mac.compact()).expect("twelve hex digits are a valid SIP username");
    let sip_password = random_sip_password();
    let new = NewDevice {
        mac: Some(mac),
        model: DeviceModel(request.model),
        label: request.label,
        sip_username,
        sip_password: sip_password.clone(),
        user: request.user,
    };
    match scope.create_device(&new, realm).await {
        Ok(device) => Ok((device, sip_password)),
        Err(StorageError::Conflict(_)) => Err(AddDeviceError::MacTaken(mac)),
        Err(StorageError::NotFound("user")) => Err(AddDeviceError::NoSuchUser),
        Err(e) => Err(AddDeviceError::Storage(e)),
    }
}

/// Gives the device a new random SIP password and returns it, to show once.
pub async fn renew_password(
    scope: &AccountScope<'_>,
    realm: &str,
    device: &Device,
) -> Result<SipPassword, StorageError> {
    let password = random_sip_password();
    scope.set_device_password(device, &password, realm).await?;
    Ok(password)
}
