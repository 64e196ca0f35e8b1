-- API keys of the REST API (SPEC issue 5): created and revoked by the
-- account's administrator. Only the SHA-256 of the key is stored (hex), so
-- a copy of the database does not hand out working keys.

CREATE TABLE api_keys (
    id __ID__,
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    key_sha256 TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX api_keys_account ON api_keys (account_id);
