//! What the voicemail tests share.

#![allow(dead_code)] // each test file uses its own part

pub mod audio;
pub mod smtp;
