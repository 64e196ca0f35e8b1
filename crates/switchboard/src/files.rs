//! Where voicemail audio is kept: a local folder under the data directory,
//! or an S3 bucket when `files_s3_bucket` is set.

use anyhow::Context;

use crate::config::Config;

/// The object store the configuration names.
pub fn blobs(config: &Config) -> anyhow::Result<voicemail::Blobs> {
    if let Some(s3) = &config.files_s3 {
        return voicemail::Blobs::s3(s3)
            .with_context(|| format!("cannot use the S3 bucket {}", s3.bucket));
    }
    let root = config.data_dir.join("files");
    voicemail::Blobs::local(&root).with_context(|| format!("cannot use {}", root.display()))
}
