//! Identifiers of stored rows. Each kind of row has its own type so that a
//! user id can never be passed where an account id is expected.

use std::fmt;

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(i64);

        impl $name {
            /// Wraps a row id read from storage.
            pub const fn from_raw(raw: i64) -> Self {
                Self(raw)
            }

            /// The row id as stored.
            pub const fn raw(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// A company served by the installation.
    AccountId
);
id_type!(
    /// An extension of any kind (user, ring group, conference, receptionist).
    ExtensionId
);
id_type!(
    /// A person with a user-portal login and a voicemail box.
    UserId
);
id_type!(
    /// A desk phone or softphone.
    DeviceId
);
id_type!(
    /// A phone number, owned by an account or waiting in the pool.
    PhoneNumberId
);
id_type!(
    /// A SIP trunk to a carrier.
    TrunkId
);
id_type!(
    /// A call detail record.
    CallRecordId
);
id_type!(
    /// A person of the hosting company who runs the installation (issue 6).
    OperatorId
);
id_type!(
    /// A voicemail message.
    MessageId
);
