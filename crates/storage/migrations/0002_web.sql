-- Switchboard schema, version 2: what the web portals need.

-- Browser sessions (tower-sessions records, serialised as JSON by the web
-- layer). `expires_at` is in milliseconds; expired rows are never loaded
-- and are swept by `delete_expired_sessions`.
CREATE TABLE web_sessions (
    id TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX web_sessions_expires ON web_sessions (expires_at);

-- Failed sign-ins, one row per failure, keyed by "account:<number>" or
-- "ip:<address>"; counted over a sliding window for rate limiting.
CREATE TABLE login_failures (
    key TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX login_failures_key_at ON login_failures (key, at);

-- Password-recovery links (SPEC A1). Only the SHA-256 of the token is kept;
-- a link is good once (`used_at`) and until `expires_at`. `user_id` is NULL
-- for the account's administrator.
CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    user_id BIGINT REFERENCES users(id) ON DELETE CASCADE,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);

-- A user whose password was set by someone else (welcome e-mail, admin
-- reset) must choose their own at the next sign-in (SPEC A16).
ALTER TABLE users ADD COLUMN must_change_password __BOOL__ NOT NULL DEFAULT FALSE;
