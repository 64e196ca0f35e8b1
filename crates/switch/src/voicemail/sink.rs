//! The recorder the relay feeds.
