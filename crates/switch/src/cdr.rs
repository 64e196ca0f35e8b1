//! Write-behind of call records: the SIP task queues [`CdrEvent`]s without
//! waiting; one writer task stores them in batches, one transaction per
//! batch. A call that starts and ends within one batch (a short or refused
//! call) is written once, whole; a longer call is written `in_progress`
//! when it starts, so that a crash leaves a record that the next start
//! closes as `failed`, and updated when it is answered and when it ends.

use std::collections::HashMap;

use domain::{AccountId, CallRecordId};
use storage::{CallWrite, Store};
use tokio::sync::mpsc;

use crate::calls::CdrEvent;

const MAX_BATCH: usize = 4096;

/// How long events gather after the first one.
const LINGER: std::time::Duration = std::time::Duration::from_millis(100);

/// The sending side, held by the SIP task.
#[derive(Clone, Debug)]
pub struct CdrWriter {
    tx: mpsc::UnboundedSender<CdrEvent>,
}

impl CdrWriter {
    /// Starts the writer task; it ends when every `CdrWriter` is dropped,
    /// after writing what was queued.
    pub fn spawn(store: Store) -> (Self, tokio::task::JoinHandle<()>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Self { tx }, tokio::spawn(run(store, rx)))
    }

    pub fn queue(&self, event: CdrEvent) {
        if self.tx.send(event).is_err() {
            tracing::error!("call record writer has stopped; record lost");
        }
    }
}

/// A call seen in the current batch or still open in storage.
#[derive(Debug)]
enum Known {
    /// Started in this batch, not yet written.
    New(usize),
    /// Written, with its id.
    Stored(AccountId, CallRecordId),
}

async fn run(store: Store, mut rx: mpsc::UnboundedReceiver<CdrEvent>) {
    let mut open: HashMap<u64, Known> = HashMap::new();
    let mut events = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut events, MAX_BATCH).await > 0 {
        let deadline = tokio::time::Instant::now() + LINGER;
        while events.len() < MAX_BATCH {
            let room = MAX_BATCH - events.len();
            match tokio::time::timeout_at(deadline, rx.recv_many(&mut events, room)).await {
                Ok(n) if n > 0 => continue,
                _ => break,
            }
        }
        let mut writes: Vec<CallWrite> = Vec::with_capacity(events.len());
        // Which call each Open write stands for, to learn its id.
        let mut opened: Vec<(usize, u64)> = Vec::new();
        for e in events.drain(..) {
            match e {
                CdrEvent::Start {
                    call,
                    account,
                    record,
                } => {
                    open.insert(call, Known::New(writes.len()));
                    writes.push(CallWrite::Open {
                        account,
                        record,
                        answered_at: None,
                    });
                }
                CdrEvent::Answer { call, at } => match open.get(&call) {
                    Some(Known::New(i)) => {
                        if let CallWrite::Open { answered_at, .. } = &mut writes[*i] {
                            *answered_at = Some(at);
                        }
                    }
                    Some(Known::Stored(account, id)) => writes.push(CallWrite::Answer {
                        account: *account,
                        id: *id,
                        at,
                    }),
                    None => {}
                },
                CdrEvent::End {
                    call,
                    at,
                    disposition,
                    cause,
                } => match open.remove(&call) {
                    Some(Known::New(i)) => {
                        let placeholder = CallWrite::Answer {
                            account: AccountId::from_raw(0),
                            id: CallRecordId::from_raw(0),
                            at,
                        };
                        if let CallWrite::Open {
                            account,
                            record,
                            answered_at,
                        } = std::mem::replace(&mut writes[i], placeholder)
                        {
                            writes[i] = CallWrite::Whole {
                                account,
                                record,
                                answered_at,
                                ended_at: at,
                                disposition,
                                cause,
                            };
                        }
                    }
                    Some(Known::Stored(account, id)) => writes.push(CallWrite::End {
                        account,
                        id,
                        at,
                        disposition,
                        cause,
                    }),
                    None => {}
                },
            }
        }
        for (call, known) in open.iter() {
            if let Known::New(i) = known {
                opened.push((*i, *call));
            }
        }
        match store.write_calls(&writes).await {
            Ok(ids) => {
                for (i, call) in opened {
                    if let (Some(Some(id)), CallWrite::Open { account, .. }) =
                        (ids.get(i), &writes[i])
                    {
                        open.insert(call, Known::Stored(*account, *id));
                    }
                }
            }
            Err(e) => {
                tracing::error!(error = %e, n = writes.len(), "call records not stored");
                for (_, call) in opened {
                    open.remove(&call);
                }
            }
        }
    }
}
