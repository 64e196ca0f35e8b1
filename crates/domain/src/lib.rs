//! The domain model of Switchboard, a hosted business phone system.
//!
//! This crate owns the vocabulary every other crate speaks: accounts
//! (companies), extensions of every kind, users and their voicemail and
//! forwarding settings, ring groups, phone numbers, devices, SIP trunks and
//! call records, plus the parsed value types they are made of (`E164`,
//! `ExtensionNumber`, `Pin`, `MacAddress`, ...).
//!
//! It deliberately does no I/O: no database, no sockets, no clock. Values
//! are parsed once at the edge (forms, CSV rows, SIP headers, database rows)
//! through the one fallible constructor of each type; inside, functions take
//! the parsed type. Nothing here is `Serialize`: the web layer has its own
//! request and response types.

pub mod account;
pub mod call_record;
pub mod device;
pub mod dial;
pub mod email;
pub mod extension;
pub mod ids;
pub mod number_range;
pub mod phone;
pub mod registration;
pub mod secret;
pub mod time;
pub mod trunk;
pub mod user;
pub mod voicemail;

pub use account::{Account, AccountStatus, CompanyName, Language, NewAccount, TimeZone};
pub use call_record::{CallDirection, CallRecord, Disposition, NewCallRecord};
pub use device::{
    Device, DeviceModel, MacAddress, NewDevice, SUPPORTED_MODELS, SipPassword, SipUsername,
};
pub use dial::{CallEnd, CallProgress, ClickToCall, Dialled, DialledError, EMERGENCY_NUMBERS};
pub use email::EmailAddress;
pub use extension::{
    Extension, ExtensionKind, ExtensionNumber, NewExtensionError, RingGroup, RingStrategy,
};
pub use ids::{
    AccountId, CallRecordId, DeviceId, ExtensionId, MessageId, OperatorId, PhoneNumberId, TrunkId,
    UserId,
};
pub use number_range::{NumberRange, NumberRangeError};
pub use phone::{E164, PhoneNumber};
pub use registration::{Binding, BindingChange, NewBinding};
pub use secret::{Password, PasswordError, PasswordHash, Pin, PinHash};
pub use time::UnixMillis;
pub use trunk::{
    NewTrunk, NumberFormat, Trunk, TrunkAddress, TrunkAddressError, TrunkAuth, TrunkTransport,
};
pub use user::{AfterEmail, ForwardingSettings, RingSeconds, User, VoicemailSettings};
pub use voicemail::{
    Mailbox, MessageCounts, MessageStatus, NewVoicemailMessage, PIN_ATTEMPTS, PIN_LOCKOUT_MS,
    VoicemailMessage,
};
