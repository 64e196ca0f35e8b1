//! The tokio shell around [`Endpoint`]: one task owns the endpoint, takes
//! inbound messages off the transports' channel, and carries out each
//! [`Step`]: sends bytes, queues binding changes for storage, and looks
//! devices up in the background when the directory cache misses.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use domain::UnixMillis;
use tokio::sync::{mpsc, watch};

use crate::directory::{DeviceCredentials, Directory};
use crate::endpoint::{Counters, Endpoint, PendingRegister, Step, Transmit};
use crate::persist::BindingWriter;
use crate::transport::{Inbound, Transports};

/// How often expired bindings and old transactions are swept.
const SWEEP_EVERY: Duration = Duration::from_secs(1);

type LookedUp = (
    Box<PendingRegister>,
    Result<Option<Arc<DeviceCredentials>>, storage::StorageError>,
);

/// Runs the SIP endpoint until `shutdown` turns true or the transports
/// close. Returns the final counters.
pub async fn run(
    mut endpoint: Endpoint,
    transports: Transports,
    mut inbound: mpsc::Receiver<Inbound>,
    directory: Arc<Directory>,
    writer: BindingWriter,
    mut shutdown: watch::Receiver<bool>,
    clock: fn() -> UnixMillis,
) -> Counters {
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<LookedUp>();
    let mut sweep = tokio::time::interval(SWEEP_EVERY);
    sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut rng_state: u64 = rand::random();
    let mut random = move || {
        // xorshift64*: tags and nonces need to be unpredictable enough to
        // not collide, and the nonce itself is signed by the endpoint.
        rng_state ^= rng_state >> 12;
        rng_state ^= rng_state << 25;
        rng_state ^= rng_state >> 27;
        rng_state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    loop {
        let step = tokio::select! {
            msg = inbound.recv() => {
                let Some(msg) = msg else { break };
                let dir = &directory;
                let now_instant = std::time::Instant::now();
                endpoint.receive(clock(), random(), &msg, |name| dir.cached(name, now_instant))
            }
            Some((pending, result)) = done_rx.recv() => match result {
                Ok(device) => endpoint.resume_register(clock(), *pending, device),
                Err(e) => {
                    tracing::warn!(error = %e, "device look-up failed");
                    endpoint.abandon_register(&pending);
                    Step::Nothing
                }
            },
            _ = sweep.tick() => {
                writer.queue(endpoint.expire(clock()));
                Step::Nothing
            }
            _ = shutdown.changed() => {
                if *shutdown.borrow() { break }
                Step::Nothing
            }
        };
        match step {
            Step::Nothing => {}
            Step::Send(t) => send(&transports, t),
            Step::Register(t, changes) => {
                send(&transports, t);
                writer.queue(changes);
            }
            Step::LookUp(pending) => {
                let dir = directory.clone();
                let done = done_tx.clone();
                tokio::spawn(async move {
                    let result = dir.lookup(pending.username()).await;
                    let _ = done.send((pending, result));
                });
            }
        }
    }
    endpoint.counters
}

fn send(transports: &Transports, t: Transmit) {
    if let Err(e) = transports.send(t.kind, t.dest, t.conn, Bytes::from(t.bytes)) {
        tracing::debug!(error = %e, "response not sent");
    }
}
