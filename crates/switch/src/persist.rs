//! Write-behind of binding changes: the SIP task queues changes without
//! waiting; one writer task stores them in batches, one transaction per
//! batch, so thousands of registrations a second cost tens of commits.

use domain::BindingChange;
use storage::Store;
use tokio::sync::mpsc;

/// Largest batch written in one transaction.
const MAX_BATCH: usize = 4096;

/// How long the writer lets changes gather after the first one arrives:
/// one commit (and at most one fsync) per interval under load, at the
/// price of that much delay before a registration is on disk.
const LINGER: std::time::Duration = std::time::Duration::from_millis(200);

/// The sending side, held by the SIP task.
#[derive(Clone, Debug)]
pub struct BindingWriter {
    tx: mpsc::UnboundedSender<BindingChange>,
}

impl BindingWriter {
    /// Starts the writer task; it ends when every `BindingWriter` is dropped,
    /// after writing what was queued.
    pub fn spawn(store: Store) -> (Self, tokio::task::JoinHandle<()>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let handle = tokio::spawn(run(store, rx));
        (Self { tx }, handle)
    }

    /// Queues changes for storage.
    pub fn queue(&self, changes: Vec<BindingChange>) {
        for c in changes {
            if self.tx.send(c).is_err() {
                tracing::error!("binding writer has stopped; registration not stored");
                return;
            }
        }
    }
}

async fn run(store: Store, mut rx: mpsc::UnboundedReceiver<BindingChange>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        if batch.len() < MAX_BATCH {
            // Gather what else comes in the linger time (until the senders
            // are gone, which ends the loop after this batch).
            let deadline = tokio::time::Instant::now() + LINGER;
            while batch.len() < MAX_BATCH {
                let room = MAX_BATCH - batch.len();
                match tokio::time::timeout_at(deadline, rx.recv_many(&mut batch, room)).await {
                    Ok(n) if n > 0 => continue,
                    _ => break,
                }
            }
        }
        if let Err(e) = store.apply_binding_changes(&batch).await {
            // The in-memory location is still right; only a restart would
            // lose these. Retry once, then report.
            tracing::warn!(error = %e, n = batch.len(), "storing bindings failed, retrying");
            if let Err(e) = store.apply_binding_changes(&batch).await {
                tracing::error!(error = %e, n = batch.len(), "bindings not stored");
            }
        }
        batch.clear();
    }
}
