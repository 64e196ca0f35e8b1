//! Leaving a message.
