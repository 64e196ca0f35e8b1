//! SIP trunks (installation-wide).

use domain::{
    NewTrunk, NumberFormat, Trunk, TrunkAddress, TrunkAuth, TrunkId, TrunkTransport, UnixMillis,
};
use sqlx::any::AnyRow;

use crate::row::{flag, get, named, parsed};
use crate::{StorageError, Store};

/// The columns a trunk is read from, named (a `SELECT *` prepared before
/// a migration added columns would be read with the old count).
const COLUMNS: &str = "SELECT id, name, host, port, transport, auth_username, auth_password, ip_addresses, number_format, enabled";

fn trunk_from(row: &AnyRow) -> Result<Trunk, StorageError> {
    let username: Option<String> = get(row, "auth_username")?;
    let password: Option<String> = get(row, "auth_password")?;
    let ips: Option<String> = get(row, "ip_addresses")?;
    let auth = match (username, password, ips) {
        (Some(username), Some(password), _) => TrunkAuth::Credentials { username, password },
        (_, _, Some(list)) => TrunkAuth::Ip {
            addresses: TrunkAddress::parse_list(&list).map_err(|_| StorageError::Corrupt {
                column: "ip_addresses",
                value: list.clone(),
            })?,
        },
        _ => {
            return Err(StorageError::Corrupt {
                column: "auth_username",
                value: String::new(),
            });
        }
    };
    let port: i64 = get(row, "port")?;
    Ok(Trunk {
        id: TrunkId::from_raw(get(row, "id")?),
        name: get(row, "name")?,
        host: get(row, "host")?,
        port: u16::try_from(port).map_err(|_| StorageError::Corrupt {
            column: "port",
            value: port.to_string(),
        })?,
        transport: parsed(row, "transport", named(TrunkTransport::parse))?,
        auth,
        number_format: parsed(row, "number_format", named(NumberFormat::parse))?,
        enabled: flag(row, "enabled")?,
    })
}

impl Store {
    /// Adds a trunk.
    pub async fn create_trunk(&self, new: &NewTrunk) -> Result<Trunk, StorageError> {
        let (user, pass, ips) = match &new.auth {
            TrunkAuth::Credentials { username, password } => {
                (Some(username.clone()), Some(password.clone()), None)
            }
            TrunkAuth::Ip { addresses } => {
                let list: Vec<String> = addresses.iter().map(ToString::to_string).collect();
                (None, None, Some(list.join(",")))
            }
        };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO trunks (name, host, port, transport, auth_username, auth_password, ip_addresses, number_format, enabled)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, TRUE) RETURNING id",
        )
        .bind(new.name.as_str())
        .bind(new.host.as_str())
        .bind(i64::from(new.port))
        .bind(new.transport.as_str())
        .bind(user)
        .bind(pass)
        .bind(ips)
        .bind(new.number_format.as_str())
        .fetch_one(&self.pool)
        .await
        .map_err(|e| StorageError::conflict_or(e, || format!("a trunk named {} already exists", new.name)))?;
        self.trunk(TrunkId::from_raw(id)).await
    }

    /// One trunk.
    pub async fn trunk(&self, id: TrunkId) -> Result<Trunk, StorageError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{COLUMNS} FROM trunks WHERE id = $1"
        )))
        .bind(id.raw())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StorageError::NotFound("trunk"))?;
        trunk_from(&row)
    }

    /// Every trunk, by name.
    pub async fn trunks(&self) -> Result<Vec<Trunk>, StorageError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{COLUMNS} FROM trunks ORDER BY name"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(trunk_from).collect()
    }

    /// The enabled trunks in failover order: the order they were added in
    /// (by id), so the first trunk added is tried first.
    pub async fn enabled_trunks(&self) -> Result<Vec<Trunk>, StorageError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{COLUMNS} FROM trunks WHERE enabled = TRUE ORDER BY id"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(trunk_from).collect()
    }

    /// The trunk called `name`, if any.
    pub async fn trunk_by_name(&self, name: &str) -> Result<Option<Trunk>, StorageError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{COLUMNS} FROM trunks WHERE name = $1"
        )))
        .bind(name)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(trunk_from).transpose()
    }

    /// Removes the trunk called `name`; [`StorageError::NotFound`] when
    /// there is none.
    pub async fn delete_trunk(&self, name: &str) -> Result<(), StorageError> {
        let done = sqlx::query("DELETE FROM trunks WHERE name = $1")
            .bind(name)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StorageError::NotFound("trunk"));
        }
        Ok(())
    }

    /// Puts the trunk called `name` in or out of service.
    pub async fn set_trunk_enabled(&self, name: &str, enabled: bool) -> Result<(), StorageError> {
        let done = sqlx::query("UPDATE trunks SET enabled = $1 WHERE name = $2")
            .bind(enabled)
            .bind(name)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StorageError::NotFound("trunk"));
        }
        Ok(())
    }

    /// Records what the switch knows of a trunk's registration.
    pub async fn set_trunk_registration(
        &self,
        trunk: TrunkId,
        registration: &TrunkRegistration,
    ) -> Result<(), StorageError> {
        sqlx::query(
            "UPDATE trunks SET registration = $1, registration_detail = $2, registration_at = $3 WHERE id = $4",
        )
        .bind(registration.state.as_str())
        .bind(registration.detail.clone())
        .bind(registration.at.map(|t| t.millis()))
        .bind(trunk.raw())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Every trunk's last known registration (trunks that register only).
    pub async fn trunk_registrations(
        &self,
    ) -> Result<Vec<(TrunkId, TrunkRegistration)>, StorageError> {
        let rows = sqlx::query(
            "SELECT id, registration, registration_detail, registration_at FROM trunks WHERE registration IS NOT NULL ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let state: String = get(row, "registration")?;
                let at: Option<i64> = get(row, "registration_at")?;
                Ok((
                    TrunkId::from_raw(get(row, "id")?),
                    TrunkRegistration {
                        state: RegistrationStatus::parse(&state).ok_or(StorageError::Corrupt {
                            column: "registration",
                            value: state.clone(),
                        })?,
                        detail: get(row, "registration_detail")?,
                        at: at.map(UnixMillis::from_millis),
                    },
                ))
            })
            .collect()
    }
}

/// Where a trunk's registration with its carrier stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegistrationStatus {
    Trying,
    Registered,
    Failed,
}

impl RegistrationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Trying => "trying",
            Self::Registered => "registered",
            Self::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "trying" => Some(Self::Trying),
            "registered" => Some(Self::Registered),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }
}

/// A trunk's registration as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrunkRegistration {
    pub state: RegistrationStatus,
    /// Why it failed.
    pub detail: Option<String>,
    /// Until when it holds (registered), or when it is tried again
    /// (failed).
    pub at: Option<UnixMillis>,
}
