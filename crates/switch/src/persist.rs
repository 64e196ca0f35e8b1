//! Write-behind of binding changes: the SIP task queues changes without
//! waiting; one writer task stores them in batches, one transaction per
//! batch, so thousands of registrations a second cost tens of commits.

use domain::BindingChange;
use storage::Store;
use tokio::sync::mpsc;

/// Largest batch written in one transaction.
const MAX_BATCH: usize = 1024;

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
