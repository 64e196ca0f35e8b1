//! Where voicemail audio is kept: a local folder under the data directory.

use anyhow::Context;

use crate::config::Config;

/// The object store the configuration names.
pub fn blobs(config: &Config) -> anyhow::Result<voicemail::Blobs> {
    let root = config.data_dir.join("files");
    voicemail::Blobs::local(&root).with_context(|| format!("cannot use {}", root.display()))
}
