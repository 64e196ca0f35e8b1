-- Switchboard schema, version 1. Written once for both databases: the
-- migration runner replaces __ID__ with the backend's auto-increment key
-- and __BOOL__ with its boolean type (INTEGER on SQLite, which the Any
-- driver reads back as 0 or 1).
-- Times are BIGINT milliseconds since the Unix epoch (UTC).

CREATE TABLE accounts (
    id __ID__,
    company TEXT NOT NULL,
    main_number TEXT NOT NULL UNIQUE,
    address TEXT NOT NULL,
    admin_email TEXT NOT NULL,
    admin_password TEXT NOT NULL,
    language TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE extensions (
    id __ID__,
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    number TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    UNIQUE (account_id, number)
);

CREATE TABLE users (
    id __ID__,
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    extension_id BIGINT NOT NULL UNIQUE REFERENCES extensions(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    password TEXT NOT NULL,
    vm_enabled __BOOL__ NOT NULL,
    vm_ring_seconds BIGINT NOT NULL,
    vm_pin TEXT,
    vm_email __BOOL__ NOT NULL,
    vm_attach_mp3 __BOOL__ NOT NULL,
    vm_after_email TEXT NOT NULL,
    fwd_enabled __BOOL__ NOT NULL,
    fwd_number TEXT,
    fwd_simultaneous __BOOL__ NOT NULL,
    fwd_key_press __BOOL__ NOT NULL,
    caller_id TEXT
);
CREATE INDEX users_account ON users (account_id);

CREATE TABLE ring_groups (
    extension_id BIGINT PRIMARY KEY REFERENCES extensions(id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    strategy TEXT NOT NULL,
    ring_seconds BIGINT NOT NULL
);

CREATE TABLE ring_group_members (
    group_extension_id BIGINT NOT NULL REFERENCES ring_groups(extension_id) ON DELETE CASCADE,
    member_extension_id BIGINT NOT NULL REFERENCES extensions(id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    PRIMARY KEY (group_extension_id, member_extension_id)
);

CREATE TABLE phone_numbers (
    id __ID__,
    number TEXT NOT NULL UNIQUE,
    account_id BIGINT REFERENCES accounts(id) ON DELETE SET NULL,
    target_extension_id BIGINT REFERENCES extensions(id) ON DELETE SET NULL
);
CREATE INDEX phone_numbers_account ON phone_numbers (account_id);

CREATE TABLE devices (
    id __ID__,
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    mac TEXT UNIQUE,
    model TEXT NOT NULL,
    label TEXT NOT NULL,
    sip_username TEXT NOT NULL UNIQUE,
    realm TEXT NOT NULL,
    ha1_md5 TEXT NOT NULL,
    ha1_sha256 TEXT NOT NULL,
    user_id BIGINT REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX devices_account ON devices (account_id);
CREATE INDEX devices_user ON devices (user_id);

CREATE TABLE trunks (
    id __ID__,
    name TEXT NOT NULL UNIQUE,
    host TEXT NOT NULL,
    port BIGINT NOT NULL,
    transport TEXT NOT NULL,
    auth_username TEXT,
    auth_password TEXT,
    ip_addresses TEXT,
    number_format TEXT NOT NULL,
    enabled __BOOL__ NOT NULL
);

CREATE TABLE call_records (
    id __ID__,
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    call_id TEXT NOT NULL,
    direction TEXT NOT NULL,
    caller_number TEXT NOT NULL,
    caller_extension TEXT,
    callee_number TEXT NOT NULL,
    callee_extension TEXT,
    started_at BIGINT NOT NULL,
    answered_at BIGINT,
    ended_at BIGINT,
    disposition TEXT NOT NULL,
    hangup_cause TEXT
);
CREATE INDEX call_records_account_started ON call_records (account_id, started_at);
CREATE INDEX call_records_disposition ON call_records (disposition);

CREATE TABLE bindings (
    id __ID__,
    device_id BIGINT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    contact TEXT NOT NULL,
    instance TEXT,
    source TEXT NOT NULL,
    transport TEXT NOT NULL,
    call_id TEXT NOT NULL,
    cseq BIGINT NOT NULL,
    q_millis BIGINT NOT NULL,
    user_agent TEXT,
    expires_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (device_id, contact)
);
CREATE INDEX bindings_expires ON bindings (expires_at);

-- Settings of the installation itself (the realm, the nonce secret...).
CREATE TABLE installation (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
