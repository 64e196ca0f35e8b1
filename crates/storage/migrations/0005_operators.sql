-- Switchboard schema, version 5: the platform operators (issue 6), the
-- hosting company's staff who create and suspend accounts and manage the
-- number pool. They sign in by e-mail; the password is an argon2id PHC
-- string like every other.

CREATE TABLE operators (
    id __ID__,
    email TEXT NOT NULL UNIQUE,
    password TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
