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
use crate::transport::{Inbound, Transports, UdpReceiver};

/// Datagrams handled per wake-up before the other inputs get a turn.
const UDP_BURST: usize = 64;

/// How often expired bindings and old transactions are swept.
const SWEEP_EVERY: Duration = Duration::from_secs(1);

type LookedUp = (
    Box<PendingRegister>,
    Result<Option<Arc<DeviceCredentials>>, storage::StorageError>,
);

/// Runs the SIP endpoint until `shutdown` turns true or the transports
/// close. Returns the final counters.
#[expect(
    clippy::too_many_arguments,
    reason = "the wiring of the SIP task, named once"
)]
pub async fn run(
    mut endpoint: Endpoint,
    transports: Transports,
    mut udp_in: UdpReceiver,
    mut inbound: mpsc::Receiver<Inbound>,
    directory: Arc<Directory>,
    writer: BindingWriter,
    mut shutdown: watch::Receiver<bool>,
    clock: fn() -> UnixMillis,
) -> Counters {
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<LookedUp>();
    let mut sweep = tokio::time::interval(SWEEP_EVERY);
    sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let lookups = |pending: Box<PendingRegister>| {
        let dir = directory.clone();
        let done = done_tx.clone();
        tokio::spawn(async move {
            let result = dir.lookup(pending.username()).await;
            let _ = done.send((pending, result));
        });
    };
    let carry_out = |step: Step| match step {
        Step::Nothing => {}
        Step::Send(t) => send(&transports, t),
        Step::Register(t, changes) => {
            send(&transports, t);
            writer.queue(changes);
        }
        Step::LookUp(pending) => lookups(pending),
    };
    // Tags and nonces draw from the thread's CSPRNG; the directory's clock
    // is read only when a REGISTER asks it.
    let deliver = |endpoint: &mut Endpoint, msg: &Inbound| {
        let step = endpoint.receive(clock(), rand::random(), msg, |name| {
            directory.cached(name, std::time::Instant::now())
        });
        carry_out(step);
    };
    loop {
        tokio::select! {
            msg = udp_in.recv() => {
                // Take what else is already queued before waiting again:
                // under load one wake-up serves a burst of datagrams.
                let mut next = Some(msg);
                let mut budget = UDP_BURST;
                while let Some(msg) = next {
                    deliver(&mut endpoint, &msg);
                    budget -= 1;
                    next = if budget > 0 { udp_in.try_recv() } else { None };
                }
            }
            msg = inbound.recv() => {
                let Some(msg) = msg else { break };
                deliver(&mut endpoint, &msg);
            }
            Some((pending, result)) = done_rx.recv() => match result {
                Ok(device) => carry_out(endpoint.resume_register(clock(), *pending, device)),
                Err(e) => {
                    tracing::warn!(error = %e, "device look-up failed");
                    endpoint.abandon_register(&pending);
                }
            },
            _ = sweep.tick() => writer.queue(endpoint.expire(clock())),
            _ = shutdown.changed() => {
                if *shutdown.borrow() { break }
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
