//! The object store holding voicemail audio: a local folder by default
//! (`<data_dir>/files`), an S3 bucket when configured.

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use object_store::path::Path as Key;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

/// An object store failure.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("no such file {0:?}")]
    NotFound(String),
    #[error("object store: {0}")]
    Store(#[from] object_store::Error),
    #[error("cannot create the files folder {path}: {source}")]
    Folder {
        path: String,
        source: std::io::Error,
    },
}

/// Where an S3 bucket is and how to sign in to it. `Debug` hides the
/// secret key.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct S3Config {
    pub bucket: String,
    /// `https://…` of an S3-compatible service; `None`: AWS.
    pub endpoint: Option<String>,
    pub region: String,
    pub access_key: String,
    pub secret_key: String,
    /// Lets `endpoint` be plain `http://` (a test or on-site service).
    pub allow_http: bool,
}

impl std::fmt::Debug for S3Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Config")
            .field("bucket", &self.bucket)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key", &self.access_key)
            .field("secret_key", &"********")
            .field("allow_http", &self.allow_http)
            .finish()
    }
}

/// Audio files by key. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Blobs {
    store: Arc<dyn ObjectStore>,
}

fn not_found(key: &str, e: object_store::Error) -> BlobError {
    match e {
        object_store::Error::NotFound { .. } => BlobError::NotFound(key.to_owned()),
        e => BlobError::Store(e),
    }
}

impl Blobs {
    /// Files in a local folder, created if missing.
    pub fn local(root: &Path) -> Result<Self, BlobError> {
        std::fs::create_dir_all(root).map_err(|source| BlobError::Folder {
            path: root.display().to_string(),
            source,
        })?;
        let store = object_store::local::LocalFileSystem::new_with_prefix(root)?;
        Ok(Self {
            store: Arc::new(store),
        })
    }

    /// Files in an S3 bucket.
    pub fn s3(config: &S3Config) -> Result<Self, BlobError> {
        let mut builder = object_store::aws::AmazonS3Builder::new()
            .with_bucket_name(&config.bucket)
            .with_region(&config.region)
            .with_access_key_id(&config.access_key)
            .with_secret_access_key(&config.secret_key)
            .with_allow_http(config.allow_http);
        if let Some(endpoint) = &config.endpoint {
            builder = builder
                .with_endpoint(endpoint)
                .with_virtual_hosted_style_request(false);
        }
        Ok(Self {
            store: Arc::new(builder.build()?),
        })
    }

    /// Any object store (tests use the in-memory one).
    pub fn with_store(store: Arc<dyn ObjectStore>) -> Self {
        Self { store }
    }

    /// Writes a whole file (replacing it).
    pub async fn put(&self, key: &str, bytes: Bytes) -> Result<(), BlobError> {
        self.store
            .put(&Key::from(key), PutPayload::from_bytes(bytes))
            .await?;
        Ok(())
    }

    /// Reads a whole file.
    pub async fn get(&self, key: &str) -> Result<Bytes, BlobError> {
        let got = self
            .store
            .get(&Key::from(key))
            .await
            .map_err(|e| not_found(key, e))?;
        got.bytes().await.map_err(|e| not_found(key, e))
    }

    /// Reads part of a file (an HTTP Range).
    pub async fn get_range(&self, key: &str, range: Range<u64>) -> Result<Bytes, BlobError> {
        self.store
            .get_range(&Key::from(key), range)
            .await
            .map_err(|e| not_found(key, e))
    }

    /// A file's size in bytes.
    pub async fn size(&self, key: &str) -> Result<u64, BlobError> {
        let meta = self
            .store
            .head(&Key::from(key))
            .await
            .map_err(|e| not_found(key, e))?;
        Ok(meta.size)
    }

    /// Deletes a file; a file already gone is not an error.
    pub async fn delete(&self, key: &str) -> Result<(), BlobError> {
        match self.store.delete(&Key::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(BlobError::Store(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn local_files_round_trip_with_ranges_and_idempotent_delete() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = Blobs::local(&dir.path().join("files")).unwrap();
        let key = "voicemail/1/2/3.mp3";
        blobs
            .put(key, Bytes::from_static(b"0123456789"))
            .await
            .unwrap();
        assert_eq!(
            blobs.get(key).await.unwrap(),
            Bytes::from_static(b"0123456789")
        );
        assert_eq!(
            blobs.get_range(key, 2..5).await.unwrap(),
            Bytes::from_static(b"234")
        );
        assert_eq!(blobs.size(key).await.unwrap(), 10);
        assert!(
            dir.path().join("files/voicemail/1/2/3.mp3").exists(),
            "a real file"
        );
        blobs.delete(key).await.unwrap();
        blobs.delete(key).await.unwrap();
        assert!(matches!(blobs.get(key).await, Err(BlobError::NotFound(_))));
    }
}
