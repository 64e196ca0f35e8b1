-- Switchboard schema, version 7: what the switch last knew of each
-- trunk's registration with its carrier, for `switchboard trunks list`.
-- `registration` is trying, registered or failed; `registration_detail`
-- says why it failed; `registration_at` is when the registration runs
-- out (registered) or the next attempt goes (failed), in milliseconds.

ALTER TABLE trunks ADD COLUMN registration TEXT;
ALTER TABLE trunks ADD COLUMN registration_detail TEXT;
ALTER TABLE trunks ADD COLUMN registration_at BIGINT;
