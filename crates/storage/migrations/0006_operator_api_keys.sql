-- Switchboard schema, version 6: API keys of the platform operators, for
-- the operator part of the REST API (`/api/v1/operator/...`). Like the
-- accounts' keys, only the SHA-256 of the key is stored.

CREATE TABLE operator_api_keys (
    id __ID__,
    operator_id BIGINT NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    key_sha256 TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX operator_api_keys_operator ON operator_api_keys (operator_id);
