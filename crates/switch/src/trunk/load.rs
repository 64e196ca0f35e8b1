//! Turning the stored trunks into [`LiveTrunk`]s: the enabled ones, in
//! failover order, with their hosts resolved.

use std::net::SocketAddr;

use domain::{Trunk, TrunkAuth, TrunkTransport};
use storage::Store;

use super::{LiveTrunk, TrunkCredentials};
use crate::transport::Kind;

/// The enabled trunks in failover order, which is the order they were
/// added in (by id): the first one added is tried first. A trunk whose
/// host does not resolve is left out with a warning (it is tried again at
/// the next load); a storage failure gives no trunks, also with a warning.
pub async fn load(store: &Store) -> Vec<LiveTrunk> {
    let stored = match store.enabled_trunks().await {
        Ok(t) => t,
        Err(e) => {
            tracing::warn!(error = %e, "trunks could not be loaded");
            return Vec::new();
        }
    };
    let mut live = Vec::with_capacity(stored.len());
    for trunk in stored {
        match resolve(&trunk.host, trunk.port).await {
            Some(addr) => live.push(live_trunk(trunk, addr)),
            None => tracing::warn!(
                trunk = %trunk.name,
                host = %trunk.host,
                "trunk host does not resolve; trunk skipped"
            ),
        }
    }
    live
}

/// The first address of `host:port`, IPv4 preferred (the switch listens on
/// IPv4 by default).
async fn resolve(host: &str, port: u16) -> Option<SocketAddr> {
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port)).await.ok()?.collect();
    addrs
        .iter()
        .find(|a| a.is_ipv4())
        .or_else(|| addrs.first())
        .copied()
}

/// A stored trunk as the engine uses it, its host resolved to `addr`.
pub fn live_trunk(trunk: Trunk, addr: SocketAddr) -> LiveTrunk {
    let (credentials, sources) = match trunk.auth {
        TrunkAuth::Credentials { username, password } => {
            (Some(TrunkCredentials { username, password }), vec![addr])
        }
        TrunkAuth::Ip { addresses } => {
            (None, addresses.iter().map(|a| a.to_socket_addr()).collect())
        }
    };
    LiveTrunk {
        id: trunk.id,
        name: trunk.name,
        host: trunk.host,
        addr,
        kind: match trunk.transport {
            TrunkTransport::Udp => Kind::Udp,
            TrunkTransport::Tcp => Kind::Tcp,
            TrunkTransport::Tls => Kind::Tls,
        },
        format: trunk.number_format,
        credentials,
        sources,
    }
}

#[cfg(test)]
mod tests {
    use domain::{NewTrunk, NumberFormat, TrunkAddress};

    use super::*;

    async fn store() -> (Store, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/t.db", dir.path().display());
        (Store::connect(&url).await.unwrap(), dir)
    }

    fn new(name: &str, host: &str, transport: TrunkTransport, auth: TrunkAuth) -> NewTrunk {
        NewTrunk {
            name: name.into(),
            host: host.into(),
            port: 5070,
            transport,
            auth,
            number_format: NumberFormat::National,
        }
    }

    #[tokio::test]
    async fn enabled_trunks_load_in_id_order_with_hosts_resolved() {
        let (s, _dir) = store().await;
        let password = TrunkAuth::Credentials {
            username: "acme".into(),
            password: "pw".into(),
        };
        let by_ip = TrunkAuth::Ip {
            addresses: TrunkAddress::parse_list("127.0.0.1:5090,192.0.2.7").unwrap(),
        };
        s.create_trunk(&new("b-first", "127.0.0.1", TrunkTransport::Tcp, password))
            .await
            .unwrap();
        s.create_trunk(&new("off", "127.0.0.1", TrunkTransport::Udp, by_ip.clone()))
            .await
            .unwrap();
        s.create_trunk(&new("a-second", "localhost", TrunkTransport::Tls, by_ip))
            .await
            .unwrap();
        s.create_trunk(&new(
            "nowhere",
            "no-such-host.invalid",
            TrunkTransport::Udp,
            TrunkAuth::Ip {
                addresses: TrunkAddress::parse_list("192.0.2.8").unwrap(),
            },
        ))
        .await
        .unwrap();
        s.set_trunk_enabled("off", false).await.unwrap();

        let live = load(&s).await;

        let names: Vec<&str> = live.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            names,
            ["b-first", "a-second"],
            "id order, unresolvable skipped"
        );
        let first = &live[0];
        assert_eq!(first.kind, Kind::Tcp);
        assert_eq!(first.addr, "127.0.0.1:5070".parse().unwrap());
        assert_eq!(
            first.sources,
            [first.addr],
            "a registering carrier sends from its host"
        );
        assert_eq!(first.credentials.as_ref().unwrap().username, "acme");
        let second = &live[1];
        assert_eq!(second.kind, Kind::Tls);
        assert_eq!(second.host, "localhost");
        assert!(second.credentials.is_none());
        let sources: Vec<String> = second.sources.iter().map(ToString::to_string).collect();
        assert_eq!(sources, ["127.0.0.1:5090", "192.0.2.7:0"]);
    }
}
