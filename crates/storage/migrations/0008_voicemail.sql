-- Switchboard schema, version 8: voicemail (SPEC T6, T7, U3).
-- A message's audio lives in the object store (8 kHz WAV and its MP3);
-- the row keeps the keys and what the portal and the phone show.
-- `mailboxes` holds what a user's mailbox has beyond its messages: the
-- recorded greeting and name, and the PIN lock-out.

CREATE TABLE voicemail_messages (
    id __ID__,
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    caller_number TEXT NOT NULL,
    caller_name TEXT,
    received_at BIGINT NOT NULL,
    duration_ms BIGINT NOT NULL,
    status TEXT NOT NULL,
    wav_key TEXT NOT NULL,
    mp3_key TEXT NOT NULL
);
CREATE INDEX voicemail_messages_user ON voicemail_messages (account_id, user_id, received_at);

CREATE TABLE mailboxes (
    user_id BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    greeting_key TEXT,
    name_key TEXT,
    pin_failures BIGINT NOT NULL,
    locked_until BIGINT
);
